//! Number formatting in the manner of C's printf, shared by `tostring` and `string.format`.
