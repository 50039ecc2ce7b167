//! Loading native modules (filled in with the stable ABI).
