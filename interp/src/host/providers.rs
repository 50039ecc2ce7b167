//! Providers loaded from native modules (filled in with the stable ABI).
