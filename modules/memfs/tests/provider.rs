//! The shared file system suite against the in-memory provider, through the module root
//! exactly as the kernel would reach it.

use luna_spi::ModuleInfo;

#[test]
fn memfs_passes_the_shared_suite() {
    let info = ModuleInfo::new(luna_memfs::luna_module_root());
    assert_eq!(info.manifest.name.as_str(), "memfs");
    let fs = info.filesystem().expect("memfs provides a file system")().unwrap();
    fs.create_dir(luna_spi::fs::FsPath::absolute("/work"))
        .unwrap();
    let transcript = luna_provider_tests::run_fs_suite(&fs, "/work");
    if std::env::var_os("LUNA_WRITE_TRANSCRIPT").is_some() {
        std::fs::write(
            concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../fixtures/provider-tests/fs-transcript.txt"
            ),
            &transcript,
        )
        .unwrap();
    }
    luna_provider_tests::assert_transcript(
        &transcript,
        luna_provider_tests::EXPECTED_FS_TRANSCRIPT,
    );
}
