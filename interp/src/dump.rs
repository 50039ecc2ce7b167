//! Binary chunks: luna's own serialisation of `FnProto` for `string.dump` and `load`.

use crate::proto::FnProto;

/// Reads a binary chunk.
pub fn undump(_chunk: &[u8], chunkname: &[u8]) -> Result<FnProto, String> {
    Err(format!("{}: bad binary format (binary chunks are not supported yet)", luna_grammar::number::chunk_id(chunkname)))
}
