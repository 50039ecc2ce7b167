//! The shared file system suite against the real file system, in a temporary directory,
//! through the module root exactly as the kernel would reach it.

use luna_spi::ModuleInfo;

#[test]
fn real_fs_passes_the_shared_suite() {
    let info = ModuleInfo::new(luna_fs::luna_module_root());
    assert_eq!(info.manifest.name.as_str(), "fs");
    let fs = info.filesystem().expect("luna-fs provides a file system")().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let transcript = luna_provider_tests::run_fs_suite(&fs, root.to_str().unwrap());
    luna_provider_tests::assert_transcript(
        &transcript,
        luna_provider_tests::EXPECTED_FS_TRANSCRIPT,
    );
}
