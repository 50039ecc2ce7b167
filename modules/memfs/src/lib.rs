//! luna's in-memory file system provider: directories, files, symbolic links and metadata
//! held in memory, with the real file system's semantics, so scripts run against it
//! unchanged.
//!
//! Invariants:
//! - All state is behind one mutex: a map from inode numbers to nodes; the root directory
//!   is inode 1. A directory maps names to inode numbers.
//! - A file node lives while it has a name (nlink > 0) or an open handle; the last of the two
//!   to go frees it, as on Unix.
//! - Path resolution mirrors cap-std's rules for `FsPath::beneath`: below a restricted root,
//!   `..` past the root and absolute symbolic links fail with `PERMISSION_DENIED`; below `/`
//!   absolute links restart at the root. `real_path` uses the SPI's shared walker, as luna-fs
//!   does, so both providers resolve alike.
//! - Permission bits are recorded and reported but not enforced (the kernel decides access;
//!   the real provider running as root does not enforce them either).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};

use luna_spi::abi_stable::std_types::ROption;
use luna_spi::fs::{
    resolve_path, DirEntry, FileKind, FileProvider, FileTime, FsPath, FsProvider, Lookup, Metadata,
    OpenOptions, Whence, MAX_SYMLINKS,
};
use luna_spi::{ErrorKind, SpiError};

type Ino = u64;
const ROOT: Ino = 1;
const DEVICE: u64 = 0x6c75_6e61; // "luna"

enum Body {
    File(Vec<u8>),
    Dir(BTreeMap<String, Ino>),
    Symlink(String),
}

struct Node {
    body: Body,
    mode: u32,
    nlink: u64,
    open: u64,
    accessed: FileTime,
    modified: FileTime,
    changed: FileTime,
    created: FileTime,
}

impl Node {
    fn new(body: Body, mode: u32) -> Node {
        let now = FileTime::now();
        Node {
            body,
            mode,
            nlink: 1,
            open: 0,
            accessed: now,
            modified: now,
            changed: now,
            created: now,
        }
    }

    fn kind(&self) -> FileKind {
        match self.body {
            Body::File(_) => FileKind::FILE,
            Body::Dir(_) => FileKind::DIR,
            Body::Symlink(_) => FileKind::SYMLINK,
        }
    }
}

struct Tree {
    nodes: HashMap<Ino, Node>,
    next_ino: Ino,
}

/// Where a resolution ended.
enum Found {
    /// An existing node, with the directory and name it was found under (`None` for the
    /// root of the resolution).
    Node {
        ino: Ino,
        parent: Option<(Ino, String)>,
    },
    /// Nothing, but the directory exists: `name` could be created in `parent`.
    Missing { parent: Ino, name: String },
}

fn e(kind: ErrorKind) -> SpiError {
    SpiError::new(kind)
}

fn escape() -> SpiError {
    SpiError::with_message(
        ErrorKind::PERMISSION_DENIED,
        "a path led outside of the filesystem",
    )
}

impl Tree {
    fn new() -> Tree {
        let mut nodes = HashMap::new();
        let mut root = Node::new(Body::Dir(BTreeMap::new()), 0o755);
        root.nlink = 2;
        nodes.insert(ROOT, root);
        Tree {
            nodes,
            next_ino: ROOT + 1,
        }
    }

    fn node(&self, ino: Ino) -> Result<&Node, SpiError> {
        self.nodes.get(&ino).ok_or_else(|| e(ErrorKind::NOT_FOUND))
    }

    fn node_mut(&mut self, ino: Ino) -> Result<&mut Node, SpiError> {
        self.nodes
            .get_mut(&ino)
            .ok_or_else(|| e(ErrorKind::NOT_FOUND))
    }

    fn entries(&self, ino: Ino) -> Result<&BTreeMap<String, Ino>, SpiError> {
        match &self.node(ino)?.body {
            Body::Dir(entries) => Ok(entries),
            _ => Err(e(ErrorKind::NOT_A_DIRECTORY)),
        }
    }

    fn entries_mut(&mut self, ino: Ino) -> Result<&mut BTreeMap<String, Ino>, SpiError> {
        match &mut self.node_mut(ino)?.body {
            Body::Dir(entries) => Ok(entries),
            _ => Err(e(ErrorKind::NOT_A_DIRECTORY)),
        }
    }

    fn add(&mut self, parent: Ino, name: &str, node: Node) -> Result<Ino, SpiError> {
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(ino, node);
        let now = FileTime::now();
        let p = self.node_mut(parent)?;
        p.modified = now;
        p.changed = now;
        self.entries_mut(parent)?.insert(name.to_string(), ino);
        Ok(ino)
    }

    /// Takes `name` out of `parent`; frees the node when nothing else holds it.
    fn unlink(&mut self, parent: Ino, name: &str) -> Result<(), SpiError> {
        let ino = self
            .entries_mut(parent)?
            .remove(name)
            .ok_or_else(|| e(ErrorKind::NOT_FOUND))?;
        let now = FileTime::now();
        let p = self.node_mut(parent)?;
        p.modified = now;
        p.changed = now;
        self.release_link(ino);
        Ok(())
    }

    fn release_link(&mut self, ino: Ino) {
        if let Some(n) = self.nodes.get_mut(&ino) {
            n.nlink = n.nlink.saturating_sub(1);
            n.changed = FileTime::now();
            if n.nlink == 0 && n.open == 0 {
                self.nodes.remove(&ino);
            }
        }
    }

    /// Resolves `rel` below `beneath`; see the module's invariants.
    fn resolve(&self, p: FsPath<'_>, follow_final: bool) -> Result<Found, SpiError> {
        let beneath = p.beneath.as_str();
        let jailed = !(beneath.is_empty() || beneath == "/");
        let base = if jailed {
            match self.resolve(FsPath::absolute(beneath), true)? {
                Found::Node { ino, .. } => {
                    self.entries(ino)?;
                    ino
                }
                Found::Missing { .. } => return Err(e(ErrorKind::NOT_FOUND)),
            }
        } else {
            ROOT
        };
        let mut todo: Vec<String> = p
            .rel
            .as_str()
            .split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .rev()
            .map(String::from)
            .collect();
        // The directories walked through, base first; `names[i]` is the name of `stack[i+1]`.
        let mut stack: Vec<Ino> = vec![base];
        let mut names: Vec<String> = Vec::new();
        let mut links = 0usize;
        while let Some(comp) = todo.pop() {
            if comp == "." {
                continue;
            }
            if comp == ".." {
                if stack.len() == 1 {
                    if jailed {
                        return Err(escape());
                    }
                } else {
                    stack.pop();
                    names.pop();
                }
                continue;
            }
            let dir = *stack.last().unwrap_or(&base);
            let is_final = todo.is_empty();
            let child = match self.entries(dir)?.get(&comp) {
                Some(&c) => c,
                None => {
                    if is_final {
                        return Ok(Found::Missing {
                            parent: dir,
                            name: comp,
                        });
                    }
                    return Err(e(ErrorKind::NOT_FOUND));
                }
            };
            match &self.node(child)?.body {
                Body::Symlink(target) if !is_final || follow_final => {
                    links += 1;
                    if links > MAX_SYMLINKS {
                        return Err(e(ErrorKind::TOO_MANY_LINKS));
                    }
                    if target.starts_with('/') {
                        if jailed {
                            return Err(escape());
                        }
                        stack.truncate(1);
                        names.clear();
                    }
                    for c in target
                        .split('/')
                        .filter(|c| !c.is_empty() && *c != ".")
                        .rev()
                    {
                        todo.push(c.to_string());
                    }
                }
                Body::Dir(_) => {
                    stack.push(child);
                    names.push(comp);
                }
                _ => {
                    if !is_final {
                        return Err(e(ErrorKind::NOT_A_DIRECTORY));
                    }
                    stack.push(child);
                    names.push(comp);
                }
            }
        }
        let ino = *stack.last().unwrap_or(&base);
        let parent = if stack.len() >= 2 {
            Some((
                stack[stack.len() - 2],
                names.last().cloned().unwrap_or_default(),
            ))
        } else {
            None
        };
        Ok(Found::Node { ino, parent })
    }

    fn metadata(&self, ino: Ino) -> Result<Metadata, SpiError> {
        let n = self.node(ino)?;
        let size = match &n.body {
            Body::File(data) => data.len() as u64,
            Body::Dir(entries) => 4096.max(entries.len() as u64 * 32),
            Body::Symlink(t) => t.len() as u64,
        };
        Ok(Metadata {
            kind: n.kind(),
            size,
            mode: n.mode,
            readonly: n.mode & 0o222 == 0,
            modified: ROption::RSome(n.modified),
            accessed: ROption::RSome(n.accessed),
            changed: ROption::RSome(n.changed),
            created: ROption::RSome(n.created),
            dev: DEVICE,
            ino,
            nlink: match n.body {
                Body::Dir(_) => 2,
                _ => n.nlink,
            },
            uid: 0,
            gid: 0,
            rdev: 0,
            blocks: size.div_ceil(512),
            blksize: 4096,
        })
    }

    /// True if `ancestor` is `ino` or contains it (for renames into oneself). Iterative:
    /// directory depth is up to the script.
    fn contains(&self, ancestor: Ino, ino: Ino) -> bool {
        let mut todo = vec![ancestor];
        while let Some(d) = todo.pop() {
            if d == ino {
                return true;
            }
            if let Some(Node {
                body: Body::Dir(entries),
                ..
            }) = self.nodes.get(&d)
            {
                todo.extend(entries.values().copied());
            }
        }
        false
    }
}

/// An in-memory file system. Cloning shares the tree.
#[derive(Clone)]
pub struct MemFs {
    tree: Arc<Mutex<Tree>>,
}

impl Default for MemFs {
    fn default() -> Self {
        MemFs::new()
    }
}

impl std::fmt::Debug for MemFs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemFs")
    }
}

impl MemFs {
    /// An empty file system: only `/`.
    pub fn new() -> MemFs {
        MemFs {
            tree: Arc::new(Mutex::new(Tree::new())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tree> {
        // A panic while holding the lock poisons the module anyway; go on with the data.
        self.tree.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn new_provider() -> Result<MemFs, SpiError> {
    Ok(MemFs::new())
}

luna_spi::export_module! {
    name: "memfs",
    version: env!("CARGO_PKG_VERSION"),
    description: "an in-memory file system",
    permissions: [READ, WRITE],
    filesystem: new_provider,
}

/// An open file of a [`MemFs`].
pub struct MemFile {
    tree: Arc<Mutex<Tree>>,
    ino: Ino,
    pos: u64,
    options: OpenOptions,
    closed: bool,
}

impl MemFile {
    fn lock(&self) -> MutexGuard<'_, Tree> {
        self.tree.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn release(&mut self) {
        if self.closed {
            return;
        }
        self.closed = true;
        let ino = self.ino;
        let mut t = self.lock();
        if let Some(n) = t.nodes.get_mut(&ino) {
            n.open = n.open.saturating_sub(1);
            if n.open == 0 && n.nlink == 0 {
                t.nodes.remove(&ino);
            }
        }
    }
}

impl Drop for MemFile {
    fn drop(&mut self) {
        self.release();
    }
}

impl FileProvider for MemFile {
    fn read(&mut self, buf: &mut [u8]) -> Result<usize, SpiError> {
        if !self.options.read {
            return Err(e(ErrorKind::CLOSED));
        }
        let pos = self.pos;
        let mut t = self.lock();
        let n = t.node_mut(self.ino)?;
        let count = match &n.body {
            Body::File(data) => {
                let start = (pos as usize).min(data.len());
                let count = buf.len().min(data.len() - start);
                buf[..count].copy_from_slice(&data[start..start + count]);
                count
            }
            Body::Dir(_) => return Err(e(ErrorKind::IS_A_DIRECTORY)),
            Body::Symlink(_) => return Err(e(ErrorKind::INVALID_INPUT)),
        };
        n.accessed = FileTime::now();
        drop(t);
        self.pos += count as u64;
        Ok(count)
    }

    fn write_all(&mut self, bytes: &[u8]) -> Result<(), SpiError> {
        if !self.options.write && !self.options.append {
            return Err(e(ErrorKind::CLOSED));
        }
        let append = self.options.append;
        let mut pos = self.pos as usize;
        let mut t = self.lock();
        let n = t.node_mut(self.ino)?;
        match &mut n.body {
            Body::File(data) => {
                if append {
                    pos = data.len();
                }
                let end = pos
                    .checked_add(bytes.len())
                    .ok_or_else(|| e(ErrorKind::STORAGE_FULL))?;
                if data.len() < end {
                    data.resize(end, 0);
                }
                data[pos..end].copy_from_slice(bytes);
                pos = end;
            }
            Body::Dir(_) => return Err(e(ErrorKind::IS_A_DIRECTORY)),
            Body::Symlink(_) => return Err(e(ErrorKind::INVALID_INPUT)),
        }
        let now = FileTime::now();
        n.modified = now;
        n.changed = now;
        drop(t);
        self.pos = pos as u64;
        Ok(())
    }

    fn seek(&mut self, whence: Whence, offset: i64) -> Result<u64, SpiError> {
        let len = {
            let t = self.lock();
            match &t.node(self.ino)?.body {
                Body::File(data) => data.len() as u64,
                _ => 0,
            }
        };
        let base: i128 = match whence {
            Whence::SET => 0,
            Whence::CUR => self.pos as i128,
            Whence::END => len as i128,
            _ => return Err(e(ErrorKind::INVALID_INPUT)),
        };
        let target = base + offset as i128;
        if target < 0 || target > i64::MAX as i128 {
            return Err(e(ErrorKind::INVALID_INPUT));
        }
        self.pos = target as u64;
        Ok(self.pos)
    }

    fn flush(&mut self) -> Result<(), SpiError> {
        Ok(())
    }

    fn metadata(&self) -> Result<Metadata, SpiError> {
        self.lock().metadata(self.ino)
    }

    fn set_len(&mut self, len: u64) -> Result<(), SpiError> {
        if !self.options.write && !self.options.append {
            return Err(e(ErrorKind::INVALID_INPUT));
        }
        let len = usize::try_from(len).map_err(|_| e(ErrorKind::STORAGE_FULL))?;
        let mut t = self.lock();
        let n = t.node_mut(self.ino)?;
        match &mut n.body {
            Body::File(data) => data.resize(len, 0),
            _ => return Err(e(ErrorKind::INVALID_INPUT)),
        }
        let now = FileTime::now();
        n.modified = now;
        n.changed = now;
        Ok(())
    }

    fn close(&mut self) -> Result<(), SpiError> {
        self.release();
        Ok(())
    }
}

impl FsProvider for MemFs {
    type File = MemFile;

    fn open(&self, path: FsPath<'_>, options: OpenOptions) -> Result<MemFile, SpiError> {
        if !options.read && !options.write && !options.append {
            return Err(SpiError::invalid_input(
                "open needs read, write or append access",
            ));
        }
        let writes = options.write || options.append;
        let mut t = self.lock();
        let ino = match t.resolve(path, true)? {
            Found::Node { ino, .. } => {
                if options.create_new {
                    return Err(e(ErrorKind::ALREADY_EXISTS));
                }
                let n = t.node_mut(ino)?;
                match &mut n.body {
                    Body::Dir(_) if writes => return Err(e(ErrorKind::IS_A_DIRECTORY)),
                    Body::File(data) if options.truncate && writes => {
                        data.clear();
                        let now = FileTime::now();
                        n.modified = now;
                        n.changed = now;
                    }
                    _ => {}
                }
                ino
            }
            Found::Missing { parent, name } => {
                if !(options.create || options.create_new) || !writes {
                    return Err(e(ErrorKind::NOT_FOUND));
                }
                t.add(parent, &name, Node::new(Body::File(Vec::new()), 0o644))?
            }
        };
        t.node_mut(ino)?.open += 1;
        drop(t);
        Ok(MemFile {
            tree: Arc::clone(&self.tree),
            ino,
            pos: 0,
            options,
            closed: false,
        })
    }

    fn metadata(&self, path: FsPath<'_>, follow: bool) -> Result<Metadata, SpiError> {
        let t = self.lock();
        match t.resolve(path, follow)? {
            Found::Node { ino, .. } => t.metadata(ino),
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn exists(&self, path: FsPath<'_>) -> Result<bool, SpiError> {
        let t = self.lock();
        match t.resolve(path, true) {
            Ok(Found::Node { .. }) => Ok(true),
            Ok(Found::Missing { .. }) => Ok(false),
            Err(err) if err.kind == ErrorKind::PERMISSION_DENIED => Err(err),
            Err(_) => Ok(false),
        }
    }

    fn read_dir(&self, path: FsPath<'_>) -> Result<Vec<DirEntry>, SpiError> {
        let t = self.lock();
        match t.resolve(path, true)? {
            Found::Node { ino, .. } => {
                let entries = t.entries(ino)?;
                entries
                    .iter()
                    .map(|(name, &c)| {
                        Ok(DirEntry {
                            name: name.as_str().into(),
                            kind: t.node(c)?.kind(),
                        })
                    })
                    .collect()
            }
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn create_dir(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        let mut t = self.lock();
        match t.resolve(path, false)? {
            Found::Node { .. } => Err(e(ErrorKind::ALREADY_EXISTS)),
            Found::Missing { parent, name } => {
                let mut node = Node::new(Body::Dir(BTreeMap::new()), 0o755);
                node.nlink = 2;
                t.add(parent, &name, node).map(|_| ())
            }
        }
    }

    fn remove_file(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        let mut t = self.lock();
        match t.resolve(path, false)? {
            Found::Node {
                ino,
                parent: Some((dir, name)),
            } => {
                if let Body::Dir(_) = t.node(ino)?.body {
                    return Err(e(ErrorKind::IS_A_DIRECTORY));
                }
                t.unlink(dir, &name)
            }
            Found::Node { parent: None, .. } => Err(e(ErrorKind::IS_A_DIRECTORY)),
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn remove_dir(&self, path: FsPath<'_>) -> Result<(), SpiError> {
        let mut t = self.lock();
        match t.resolve(path, false)? {
            Found::Node {
                ino,
                parent: Some((dir, name)),
            } => {
                match &t.node(ino)?.body {
                    Body::Dir(entries) if !entries.is_empty() => {
                        return Err(e(ErrorKind::DIRECTORY_NOT_EMPTY))
                    }
                    Body::Dir(_) => {}
                    _ => return Err(e(ErrorKind::NOT_A_DIRECTORY)),
                }
                t.unlink(dir, &name)
            }
            Found::Node { parent: None, .. } => Err(SpiError::new(ErrorKind::PERMISSION_DENIED)),
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn rename(&self, from: FsPath<'_>, to: FsPath<'_>) -> Result<(), SpiError> {
        let mut t = self.lock();
        let (ino, from_dir, from_name) = match t.resolve(from, false)? {
            Found::Node {
                ino,
                parent: Some((d, n)),
            } => (ino, d, n),
            Found::Node { parent: None, .. } => {
                return Err(SpiError::new(ErrorKind::PERMISSION_DENIED))
            }
            Found::Missing { .. } => return Err(e(ErrorKind::NOT_FOUND)),
        };
        let moving_dir = matches!(t.node(ino)?.body, Body::Dir(_));
        let (to_dir, to_name) = match t.resolve(to, false)? {
            Found::Node {
                ino: target,
                parent: Some((d, n)),
            } => {
                if target == ino {
                    return Ok(());
                }
                match (&t.node(target)?.body, moving_dir) {
                    (Body::Dir(entries), true) if !entries.is_empty() => {
                        return Err(e(ErrorKind::DIRECTORY_NOT_EMPTY))
                    }
                    (Body::Dir(_), true) => {}
                    (Body::Dir(_), false) => return Err(e(ErrorKind::IS_A_DIRECTORY)),
                    (_, true) => return Err(e(ErrorKind::NOT_A_DIRECTORY)),
                    (_, false) => {}
                }
                (d, n)
            }
            Found::Node { parent: None, .. } => {
                return Err(SpiError::new(ErrorKind::PERMISSION_DENIED))
            }
            Found::Missing { parent, name } => (parent, name),
        };
        if moving_dir && t.contains(ino, to_dir) {
            return Err(e(ErrorKind::INVALID_INPUT));
        }
        if t.entries(to_dir)?.contains_key(&to_name) {
            t.unlink(to_dir, &to_name)?;
        }
        t.entries_mut(from_dir)?.remove(&from_name);
        t.entries_mut(to_dir)?.insert(to_name, ino);
        let now = FileTime::now();
        for d in [from_dir, to_dir] {
            let n = t.node_mut(d)?;
            n.modified = now;
            n.changed = now;
        }
        t.node_mut(ino)?.changed = now;
        Ok(())
    }

    fn symlink(&self, target: &str, link: FsPath<'_>) -> Result<(), SpiError> {
        if target.is_empty() {
            return Err(e(ErrorKind::NOT_FOUND));
        }
        let mut t = self.lock();
        match t.resolve(link, false)? {
            Found::Node { .. } => Err(e(ErrorKind::ALREADY_EXISTS)),
            Found::Missing { parent, name } => t
                .add(
                    parent,
                    &name,
                    Node::new(Body::Symlink(target.to_string()), 0o777),
                )
                .map(|_| ()),
        }
    }

    fn read_link(&self, path: FsPath<'_>) -> Result<String, SpiError> {
        let t = self.lock();
        match t.resolve(path, false)? {
            Found::Node { ino, .. } => match &t.node(ino)?.body {
                Body::Symlink(target) => Ok(target.clone()),
                _ => Err(e(ErrorKind::INVALID_INPUT)),
            },
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn set_times(
        &self,
        path: FsPath<'_>,
        accessed: Option<FileTime>,
        modified: Option<FileTime>,
    ) -> Result<(), SpiError> {
        let mut t = self.lock();
        match t.resolve(path, true)? {
            Found::Node { ino, .. } => {
                let n = t.node_mut(ino)?;
                if let Some(a) = accessed {
                    n.accessed = a;
                }
                if let Some(m) = modified {
                    n.modified = m;
                }
                n.changed = FileTime::now();
                Ok(())
            }
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn set_mode(&self, path: FsPath<'_>, mode: u32) -> Result<(), SpiError> {
        let mut t = self.lock();
        match t.resolve(path, true)? {
            Found::Node { ino, .. } => {
                let n = t.node_mut(ino)?;
                n.mode = mode & 0o7777;
                n.changed = FileTime::now();
                Ok(())
            }
            Found::Missing { .. } => Err(e(ErrorKind::NOT_FOUND)),
        }
    }

    fn real_path(&self, path: &str, follow_final: bool) -> Result<String, SpiError> {
        if !path.starts_with('/') {
            return Err(SpiError::invalid_input("real_path needs an absolute path"));
        }
        let t = self.lock();
        resolve_path(
            path,
            follow_final,
            &mut |p| match t.resolve(FsPath::absolute(p), false) {
                Ok(Found::Node { ino, .. }) => Ok(match &t.node(ino)?.body {
                    Body::Dir(_) => Lookup::Dir,
                    Body::File(_) => Lookup::NotDir,
                    Body::Symlink(target) => Lookup::Symlink(target.clone()),
                }),
                Ok(Found::Missing { .. }) => Ok(Lookup::Missing),
                Err(err) if err.kind == ErrorKind::NOT_FOUND => Ok(Lookup::Missing),
                Err(err) => Err(err),
            },
        )
    }

    fn current_dir(&self) -> Result<String, SpiError> {
        Ok("/".to_string())
    }
}
