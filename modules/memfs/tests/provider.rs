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

/// Deep trees are handled without recursion on their depth (kept small: path-based calls
/// cost time proportional to the depth, so building the tree is quadratic).
#[test]
fn deep_directory_tree() {
    use luna_spi::fs::FsPath;
    let info = ModuleInfo::new(luna_memfs::luna_module_root());
    let fs = info.filesystem().unwrap()().unwrap();
    let mut path = String::from("/d");
    fs.create_dir(FsPath::absolute(&path)).unwrap();
    for _ in 0..400 {
        path.push_str("/x");
        fs.create_dir(FsPath::absolute(&path)).unwrap();
    }
    let e = fs
        .rename(
            FsPath::absolute("/d"),
            FsPath::absolute(&format!("{path}/moved")),
        )
        .into_result()
        .unwrap_err();
    assert_eq!(e.kind, luna_spi::ErrorKind::INVALID_INPUT);
    assert_eq!(
        fs.real_path(luna_spi::abi_stable::std_types::RStr::from_str(&path), true)
            .unwrap()
            .as_str(),
        path
    );
}
