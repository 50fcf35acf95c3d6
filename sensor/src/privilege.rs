//! Dropping privileges once the capture sockets are open.
//!
//! A live sensor needs `CAP_NET_RAW` (and, for some set-ups, `CAP_NET_ADMIN`) only to open its
//! `AF_PACKET` sockets and attach their filters. Everything after that (decoding, reassembly,
//! protocol parsers, rule matching) handles hostile bytes, so it should run with nothing. Two
//! ways to get there, depending on how the service is started:
//!
//! - started as root: [`drop_to`] switches to an unprivileged user and group. The kernel clears
//!   the permitted, effective and ambient capability sets when every user id leaves 0, so this
//!   also gives up the capabilities.
//! - started as a non-root user holding `CAP_NET_RAW` through systemd's `AmbientCapabilities`:
//!   [`drop_capabilities`] clears every set and sets `no_new_privs`.
//!
//! # Threads
//!
//! On Linux, credentials and capabilities are attributes of each thread, not of the process. The
//! two functions differ here:
//!
//! - [`drop_to`] goes through glibc's `setgroups`, `setresgid` and `setresuid`, which apply the
//!   change to every thread of the process (NPTL's "setxid" broadcast, as POSIX requires; musl
//!   does the same). It may be called with other threads running.
//! - [`drop_capabilities`] uses `capset` and `prctl`, which have no such broadcast: they change
//!   the calling thread only, and threads spawned by it afterwards inherit the result. A thread
//!   spawned earlier would keep `CAP_NET_RAW`, so the function refuses to run while the process
//!   has more than one thread: call it before spawning the workers.

use std::ffi::{CStr, CString};
use std::fmt;
use std::io;

/// Whom to become.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropTo {
    pub user: String,
    /// The group; `None` for the user's primary group.
    pub group: Option<String>,
}

/// Why privileges could not be dropped. The process must not go on: it may hold some of them
/// still.
#[derive(Debug)]
pub enum PrivError {
    /// The user is not in the password database (or the lookup failed).
    UnknownUser(String),
    /// The group is not in the group database (or the lookup failed).
    UnknownGroup(String),
    /// The user is root: switching to it would keep every privilege.
    TargetIsRoot(String),
    /// A system call failed: `call` names it with its arguments, as in `setgid(998)`.
    Syscall { call: String, err: io::Error },
    /// The switch went through but a check afterwards found privileges left.
    StillPrivileged(String),
}

impl fmt::Display for PrivError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrivError::UnknownUser(u) => write!(f, "user `{u}` not found"),
            PrivError::UnknownGroup(g) => write!(f, "group `{g}` not found"),
            PrivError::TargetIsRoot(u) => write!(
                f,
                "user `{u}` has uid 0: dropping to it would keep every privilege"
            ),
            PrivError::Syscall { call, err } => {
                // The system's text ("Operation not permitted") without Rust's "(os error 1)".
                let text = err.to_string();
                let text = match text.rfind(" (os error ") {
                    Some(i) => &text[..i],
                    None => &text,
                };
                write!(f, "{call}: {text}")
            }
            PrivError::StillPrivileged(what) => {
                write!(f, "privileges remain after the drop: {what}")
            }
        }
    }
}

impl std::error::Error for PrivError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            PrivError::Syscall { err, .. } => Some(err),
            _ => None,
        }
    }
}

/// What the calling thread holds now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity {
    pub uid: u32,
    pub euid: u32,
    pub gid: u32,
    pub egid: u32,
    /// Effective capability set, one bit per `CAP_*` number.
    pub cap_effective: u64,
    /// Permitted capability set (what could be made effective again).
    pub cap_permitted: u64,
    /// `PR_SET_NO_NEW_PRIVS` is set: `execve` grants nothing (set-user-ID, file capabilities).
    pub no_new_privs: bool,
}

impl fmt::Display for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "uid {} (effective {}), gid {} (effective {}), capabilities effective {:#x} \
             permitted {:#x}{}",
            self.uid,
            self.euid,
            self.gid,
            self.egid,
            self.cap_effective,
            self.cap_permitted,
            if self.no_new_privs {
                ", no_new_privs"
            } else {
                ""
            }
        )
    }
}

/// `CAP_NET_RAW`: what opening an `AF_PACKET` socket needs.
pub const CAP_NET_RAW: u32 = 13;

/// Switches to `target.user` and `target.group` (default: the user's primary group) for every
/// thread of the process (see the module documentation):
///
/// 1. `setgroups` to just that group (the supplementary groups of root go),
/// 2. `setresgid` (real, effective and saved group id),
/// 3. `setresuid` (real, effective and saved user id); leaving uid 0 this way clears the
///    permitted, effective and ambient capability sets,
/// 4. then checks the result: ids as asked, no capability left, and `setuid(0)` fails.
///
/// Already running as exactly that user and group (started by systemd with `User=`), the ids
/// are left alone; capabilities still held (`AmbientCapabilities=`) are then cleared with
/// [`drop_capabilities`], with its single-thread condition. Errors name what failed: "user
/// `sensor` not found", "setgid(998): Operation not permitted".
pub fn drop_to(target: &DropTo) -> Result<(), PrivError> {
    let (uid, primary_gid) = lookup_user(&target.user)?;
    if uid == 0 {
        return Err(PrivError::TargetIsRoot(target.user.clone()));
    }
    let gid = match &target.group {
        Some(g) => lookup_group(g)?,
        None => primary_gid,
    };
    if already(uid, gid) {
        let now = current();
        if now.cap_effective != 0 || now.cap_permitted != 0 {
            drop_capabilities()?;
        }
    } else {
        // Order matters: changing groups needs CAP_SETGID, which setresuid takes away.
        let groups = [gid as libc::gid_t];
        // SAFETY: a one-element array that outlives the call.
        check(unsafe { libc::setgroups(1, groups.as_ptr()) }, || {
            format!("setgroups([{gid}])")
        })?;
        // SAFETY: plain system calls on integers.
        check(unsafe { libc::setresgid(gid, gid, gid) }, || {
            format!("setgid({gid})")
        })?;
        check(unsafe { libc::setresuid(uid, uid, uid) }, || {
            format!("setuid({uid})")
        })?;
    }
    verify(uid, gid)
}

/// Clears every capability of the calling thread (ambient with `PR_CAP_AMBIENT_CLEAR_ALL`, then
/// effective, permitted and inheritable with `capset`, version 3) and sets `PR_SET_NO_NEW_PRIVS`
/// so that no later `execve` can grant any back. For a non-root user given `CAP_NET_RAW` by
/// systemd's `AmbientCapabilities`: once the sockets are open nothing is needed any more.
///
/// Capabilities are per thread and these calls have no all-threads variant, so this refuses to
/// run while the process has other threads (counted in `/proc/self/task`): call it before
/// spawning any. The bounding set is left alone: with an empty permitted set and
/// `no_new_privs`, nothing can be raised back from it.
///
/// For a process still running as root, the uid stays 0 (with no capability, it can no longer
/// bypass file permissions or open raw sockets, but it owns root's files): prefer [`drop_to`].
pub fn drop_capabilities() -> Result<(), PrivError> {
    let threads = thread_count();
    if threads > 1 {
        return Err(PrivError::StillPrivileged(format!(
            "{threads} threads are running and capabilities are per thread: drop them before \
             spawning any"
        )));
    }
    // SAFETY: prctl with integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_CAP_AMBIENT,
            libc::PR_CAP_AMBIENT_CLEAR_ALL as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    // EINVAL: a kernel before 4.3, without ambient capabilities, so there are none to clear.
    if r != 0 && io::Error::last_os_error().raw_os_error() != Some(libc::EINVAL) {
        return Err(syscall_error("prctl(PR_CAP_AMBIENT_CLEAR_ALL)"));
    }
    capset(&[CapData::default(); 2])?;
    // SAFETY: prctl with integer arguments only.
    let r = unsafe {
        libc::prctl(
            libc::PR_SET_NO_NEW_PRIVS,
            1 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    if r != 0 {
        return Err(syscall_error("prctl(PR_SET_NO_NEW_PRIVS)"));
    }
    let now = current();
    if now.cap_effective != 0 || now.cap_permitted != 0 {
        return Err(PrivError::StillPrivileged(now.to_string()));
    }
    Ok(())
}

/// What the calling thread holds now (for a log line and tests). A capability set that cannot
/// be read (no `capget`) shows as all ones, the safe assumption.
pub fn current() -> Identity {
    // SAFETY: getters with no arguments that cannot fail.
    let (uid, euid, gid, egid) = unsafe {
        (
            libc::getuid(),
            libc::geteuid(),
            libc::getgid(),
            libc::getegid(),
        )
    };
    let (cap_effective, cap_permitted) = match capget() {
        Ok(d) => (join(d, |c| c.effective), join(d, |c| c.permitted)),
        Err(_) => (u64::MAX, u64::MAX),
    };
    // SAFETY: prctl with integer arguments only.
    let nnp = unsafe {
        libc::prctl(
            libc::PR_GET_NO_NEW_PRIVS,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
            0 as libc::c_ulong,
        )
    };
    Identity {
        uid,
        euid,
        gid,
        egid,
        cap_effective,
        cap_permitted,
        no_new_privs: nnp == 1,
    }
}

/// True when real, effective and saved ids already are `uid` and `gid` and there is no other
/// supplementary group: the drop has nothing to do.
fn already(uid: u32, gid: u32) -> bool {
    let (mut r, mut e, mut s) = (0, 0, 0);
    let (mut gr, mut ge, mut gs) = (0, 0, 0);
    // SAFETY: pointers to live locals.
    let ok = unsafe {
        libc::getresuid(&mut r, &mut e, &mut s) == 0
            && libc::getresgid(&mut gr, &mut ge, &mut gs) == 0
    };
    ok && [r, e, s] == [uid; 3]
        && [gr, ge, gs] == [gid; 3]
        && supplementary_groups().is_some_and(|g| g.iter().all(|&x| x == gid))
}

/// The checks after a drop: every id as asked, no supplementary group but `gid`, no capability,
/// and root cannot be regained.
fn verify(uid: u32, gid: u32) -> Result<(), PrivError> {
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: pointers to live locals.
    check(unsafe { libc::getresuid(&mut r, &mut e, &mut s) }, || {
        "getresuid".to_string()
    })?;
    if [r, e, s] != [uid; 3] {
        return Err(PrivError::StillPrivileged(format!(
            "user ids are {r}/{e}/{s} (real/effective/saved), not {uid}"
        )));
    }
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: pointers to live locals.
    check(unsafe { libc::getresgid(&mut r, &mut e, &mut s) }, || {
        "getresgid".to_string()
    })?;
    if [r, e, s] != [gid; 3] {
        return Err(PrivError::StillPrivileged(format!(
            "group ids are {r}/{e}/{s} (real/effective/saved), not {gid}"
        )));
    }
    match supplementary_groups() {
        Some(g) if g.iter().all(|&x| x == gid) => {}
        other => {
            return Err(PrivError::StillPrivileged(format!(
                "supplementary groups {other:?}"
            )))
        }
    }
    let now = current();
    if now.cap_effective != 0 || now.cap_permitted != 0 {
        return Err(PrivError::StillPrivileged(now.to_string()));
    }
    // SAFETY: a plain system call; it must fail here.
    if unsafe { libc::setuid(0) } == 0 {
        return Err(PrivError::StillPrivileged(
            "setuid(0) succeeded".to_string(),
        ));
    }
    // SAFETY: as above.
    if gid != 0 && unsafe { libc::setgid(0) } == 0 {
        return Err(PrivError::StillPrivileged(
            "setgid(0) succeeded".to_string(),
        ));
    }
    Ok(())
}

fn supplementary_groups() -> Option<Vec<libc::gid_t>> {
    // SAFETY: a size query (count 0, null list), then a fill of a buffer of that size.
    let n = unsafe { libc::getgroups(0, std::ptr::null_mut()) };
    let mut groups = vec![0; usize::try_from(n).ok()?];
    let n = unsafe { libc::getgroups(n, groups.as_mut_ptr()) };
    groups.truncate(usize::try_from(n).ok()?);
    Some(groups)
}

fn thread_count() -> usize {
    // Without /proc the count is unknown; 1 keeps the single-threaded start-up path working.
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(1)
}

/// `check(ret, name)`: a libc return value of 0 is success, anything else an error named by
/// `name()` with `errno`.
fn check(ret: libc::c_int, name: impl FnOnce() -> String) -> Result<(), PrivError> {
    if ret == 0 {
        Ok(())
    } else {
        Err(syscall_error(name()))
    }
}

fn syscall_error(call: impl Into<String>) -> PrivError {
    PrivError::Syscall {
        call: call.into(),
        err: io::Error::last_os_error(),
    }
}

/// Runs a `get*nam_r` lookup with a growing buffer: `ERANGE` asks for a larger one.
fn lookup<T>(
    name: &str,
    not_found: impl Fn(String) -> PrivError,
    mut call: impl FnMut(&CStr, &mut [libc::c_char]) -> Result<Option<T>, libc::c_int>,
) -> Result<T, PrivError> {
    let cname = CString::new(name).map_err(|_| not_found(name.to_string()))?;
    let mut buf = vec![0 as libc::c_char; 1024];
    loop {
        match call(&cname, &mut buf) {
            Ok(Some(v)) => return Ok(v),
            Ok(None) => return Err(not_found(name.to_string())),
            Err(libc::ERANGE) if buf.len() < 1 << 20 => buf.resize(buf.len() * 2, 0),
            Err(e) => {
                return Err(PrivError::Syscall {
                    call: format!("looking up `{name}`"),
                    err: io::Error::from_raw_os_error(e),
                })
            }
        }
    }
}

/// Uid and primary gid of a user.
fn lookup_user(name: &str) -> Result<(u32, u32), PrivError> {
    lookup(name, PrivError::UnknownUser, |cname, buf| {
        // SAFETY: zeroed is a valid passwd (integers and null pointers).
        let mut pw: libc::passwd = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local or buffer whose length is passed.
        let r = unsafe {
            libc::getpwnam_r(
                cname.as_ptr(),
                &mut pw,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        match (r, result.is_null()) {
            (0, false) => Ok(Some((pw.pw_uid, pw.pw_gid))),
            // Not found is reported as 0 with no result, or by some NSS modules as ENOENT.
            (0 | libc::ENOENT | libc::ESRCH, true) => Ok(None),
            (e, _) => Err(e),
        }
    })
}

fn lookup_group(name: &str) -> Result<u32, PrivError> {
    lookup(name, PrivError::UnknownGroup, |cname, buf| {
        // SAFETY: zeroed is a valid group (integers and null pointers).
        let mut gr: libc::group = unsafe { std::mem::zeroed() };
        let mut result: *mut libc::group = std::ptr::null_mut();
        // SAFETY: every pointer is to a live local or buffer whose length is passed.
        let r = unsafe {
            libc::getgrnam_r(
                cname.as_ptr(),
                &mut gr,
                buf.as_mut_ptr(),
                buf.len(),
                &mut result,
            )
        };
        match (r, result.is_null()) {
            (0, false) => Ok(Some(gr.gr_gid)),
            (0 | libc::ENOENT | libc::ESRCH, true) => Ok(None),
            (e, _) => Err(e),
        }
    })
}

/// `_LINUX_CAPABILITY_VERSION_3`: 64-bit sets as two 32-bit halves.
const CAP_V3: u32 = 0x2008_0522;

/// `struct __user_cap_header_struct`; libc does not define it.
#[repr(C)]
struct CapHeader {
    version: u32,
    pid: libc::c_int,
}

/// `struct __user_cap_data_struct`: one 32-bit half of each set.
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct CapData {
    effective: u32,
    permitted: u32,
    inheritable: u32,
}

fn join(d: [CapData; 2], f: impl Fn(&CapData) -> u32) -> u64 {
    u64::from(f(&d[0])) | (u64::from(f(&d[1])) << 32)
}

/// The calling thread's sets (pid 0 = this thread).
fn capget() -> Result<[CapData; 2], PrivError> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    let mut data = [CapData::default(); 2];
    // SAFETY: the header and a two-element data array, as version 3 requires.
    let r = unsafe { libc::syscall(libc::SYS_capget, &mut hdr, data.as_mut_ptr()) };
    if r != 0 {
        return Err(syscall_error("capget"));
    }
    Ok(data)
}

fn capset(data: &[CapData; 2]) -> Result<(), PrivError> {
    let mut hdr = CapHeader {
        version: CAP_V3,
        pid: 0,
    };
    // SAFETY: the header and a two-element data array, as version 3 requires.
    let r = unsafe { libc::syscall(libc::SYS_capset, &mut hdr, data.as_ptr()) };
    if r != 0 {
        return Err(syscall_error("capset"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};

    /// Runs `f` in a forked child, so that the drop does not reach the test process (which
    /// keeps root for the other tests), and returns its verdict. The child has a single thread
    /// (fork copies only the caller), which `drop_capabilities` requires.
    fn in_child(f: impl FnOnce() -> Result<(), String>) -> Result<(), String> {
        let mut fds = [0; 2];
        // SAFETY: a two-element array for the pipe's ends.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        // SAFETY: the child only runs `f` and exits without returning into the test harness.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0, "fork: {}", io::Error::last_os_error());
        if pid == 0 {
            // A panic must not unwind into the harness's copy of the stack.
            let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
                .unwrap_or_else(|_| Err("the child panicked".to_string()));
            let msg = verdict.err().unwrap_or_default();
            // SAFETY: writing a live buffer to our pipe, then leaving without running the
            // harness's destructors or atexit handlers.
            unsafe {
                libc::write(fds[1], msg.as_ptr().cast(), msg.len());
                libc::_exit(0);
            }
        }
        // SAFETY: fds[1] is ours to close; fds[0] is owned by the File from here on.
        unsafe { libc::close(fds[1]) };
        let mut out = String::new();
        std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fds[0]) })
            .read_to_string(&mut out)
            .unwrap();
        let mut status = 0;
        // SAFETY: waiting for our own child.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status), "child status {status:#x}");
        if out.is_empty() {
            Ok(())
        } else {
            Err(out)
        }
    }

    fn is_root() -> bool {
        let me = current();
        if me.euid != 0 || me.cap_effective & (1 << CAP_NET_RAW) == 0 {
            eprintln!("SKIPPED: needs root with CAP_NET_RAW ({me})");
            return false;
        }
        true
    }

    /// `socket(AF_PACKET, SOCK_RAW, 0)`: the fd, or the errno.
    fn packet_socket() -> Result<OwnedFd, i32> {
        // SAFETY: plain socket creation; a valid fd is owned from here on.
        let fd = unsafe { libc::socket(libc::AF_PACKET, libc::SOCK_RAW, 0) };
        if fd < 0 {
            Err(io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            Ok(unsafe { OwnedFd::from_raw_fd(fd) })
        }
    }

    fn expect_eperm_on_new_socket() -> Result<(), String> {
        match packet_socket() {
            Err(libc::EPERM) => Ok(()),
            Err(e) => Err(format!("AF_PACKET socket: errno {e}, expected EPERM")),
            Ok(_) => Err("an AF_PACKET socket could still be opened".to_string()),
        }
    }

    /// An open socket keeps working after the drop: nothing bound, so a non-blocking receive
    /// finds no packet (EAGAIN), not a dead descriptor (EBADF).
    fn expect_socket_alive(sock: &OwnedFd) -> Result<(), String> {
        use std::os::fd::AsRawFd;
        let mut buf = [0u8; 64];
        // SAFETY: receiving into a live buffer of the given length.
        let n = unsafe {
            libc::recv(
                sock.as_raw_fd(),
                buf.as_mut_ptr().cast(),
                buf.len(),
                libc::MSG_DONTWAIT,
            )
        };
        let err = io::Error::last_os_error().raw_os_error();
        if n < 0 && err == Some(libc::EAGAIN) {
            Ok(())
        } else {
            Err(format!("recv on the old socket: {n}, errno {err:?}"))
        }
    }

    #[test]
    fn in_child_reports_failures() {
        assert_eq!(in_child(|| Err("no".into())), Err("no".to_string()));
        assert_eq!(
            in_child(|| panic!("boom")),
            Err("the child panicked".to_string())
        );
    }

    #[test]
    fn drop_to_nobody() {
        if !is_root() {
            return;
        }
        let verdict = in_child(|| {
            let sock = packet_socket().map_err(|e| format!("socket before the drop: {e}"))?;
            let target = DropTo {
                user: "nobody".into(),
                group: Some("nogroup".into()),
            };
            drop_to(&target).map_err(|e| e.to_string())?;
            let me = current();
            let ids = (me.uid, me.euid, me.gid, me.egid);
            if ids != (65534, 65534, 65534, 65534) {
                return Err(format!("ids after the drop: {me}"));
            }
            // SAFETY: plain system calls; they must fail now.
            if unsafe { libc::setuid(0) } == 0 || unsafe { libc::seteuid(0) } == 0 {
                return Err("root regained".to_string());
            }
            if me.cap_effective != 0 || me.cap_permitted != 0 {
                return Err(format!("capabilities left: {me}"));
            }
            expect_eperm_on_new_socket()?;
            expect_socket_alive(&sock)
        });
        assert_eq!(verdict, Ok(()));
    }

    #[test]
    fn drop_to_primary_group_and_other_threads() {
        if !is_root() {
            return;
        }
        // No group given: nobody's primary group. A thread started before the drop is dropped
        // too (glibc's setxid broadcast).
        let verdict = in_child(|| {
            let (tx, rx) = std::sync::mpsc::channel::<()>();
            let (back_tx, back_rx) = std::sync::mpsc::channel();
            let t = std::thread::spawn(move || {
                rx.recv().ok();
                back_tx.send((current(), packet_socket().is_ok())).ok();
            });
            let target = DropTo {
                user: "nobody".into(),
                group: None,
            };
            let r = drop_to(&target).map_err(|e| e.to_string());
            tx.send(()).ok();
            let (other, could_open) = back_rx.recv().map_err(|e| e.to_string())?;
            t.join().ok();
            r?;
            if (other.uid, other.euid, other.gid) != (65534, 65534, 65534) {
                return Err(format!("the other thread: {other}"));
            }
            if could_open || other.cap_effective != 0 {
                return Err(format!("the other thread kept privileges: {other}"));
            }
            Ok(())
        });
        assert_eq!(verdict, Ok(()));
    }

    #[test]
    fn unknown_user_and_group_are_named() {
        // A lookup only: safe in the test process itself.
        let e = drop_to(&DropTo {
            user: "no-such-user-sensor-test".into(),
            group: None,
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "user `no-such-user-sensor-test` not found");
        if !is_root() {
            return;
        }
        let e = drop_to(&DropTo {
            user: "nobody".into(),
            group: Some("no-such-group-sensor-test".into()),
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "group `no-such-group-sensor-test` not found");
        assert_eq!(current().euid, 0, "a failed lookup changes nothing");
    }

    #[test]
    fn root_is_not_a_target() {
        let e = drop_to(&DropTo {
            user: "root".into(),
            group: None,
        })
        .unwrap_err();
        assert!(matches!(e, PrivError::TargetIsRoot(_)), "{e}");
    }

    #[test]
    fn failed_setgid_is_named() {
        if !is_root() {
            return;
        }
        // Without CAP_SETGID the first step fails; the message names the call and errno.
        let verdict = in_child(|| {
            drop_capabilities().map_err(|e| e.to_string())?;
            match drop_to(&DropTo {
                user: "nobody".into(),
                group: Some("nogroup".into()),
            }) {
                Err(e) if e.to_string() == "setgroups([65534]): Operation not permitted" => Ok(()),
                other => Err(format!("{other:?}")),
            }
        });
        assert_eq!(verdict, Ok(()));
    }

    #[test]
    fn drop_to_self_clears_capabilities() {
        if !is_root() {
            return;
        }
        // As systemd's `User=nobody` with `AmbientCapabilities=CAP_NET_RAW` leaves it: already
        // nobody, still holding CAP_NET_RAW.
        let verdict = in_child(|| {
            const SECBIT_KEEP_CAPS: libc::c_ulong = 1 << 4;
            // SAFETY: prctl with integer arguments, then the ids as above.
            unsafe {
                if libc::prctl(libc::PR_SET_SECUREBITS, SECBIT_KEEP_CAPS, 0, 0, 0) != 0
                    || libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setresgid(65534, 65534, 65534) != 0
                    || libc::setresuid(65534, 65534, 65534) != 0
                {
                    return Err(format!("set-up: {}", io::Error::last_os_error()));
                }
            }
            // KEEP_CAPS keeps the permitted set across the uid change; make NET_RAW effective.
            let mut data = capget().map_err(|e| e.to_string())?;
            data[0].effective = 1 << CAP_NET_RAW;
            capset(&data).map_err(|e| e.to_string())?;
            let sock =
                packet_socket().map_err(|e| format!("socket as nobody with the cap: {e}"))?;
            drop_to(&DropTo {
                user: "nobody".into(),
                group: Some("nogroup".into()),
            })
            .map_err(|e| e.to_string())?;
            let me = current();
            if me.cap_effective != 0 || me.cap_permitted != 0 || !me.no_new_privs {
                return Err(format!("after the drop: {me}"));
            }
            expect_eperm_on_new_socket()?;
            expect_socket_alive(&sock)
        });
        assert_eq!(verdict, Ok(()));
    }

    #[test]
    fn drop_capabilities_as_root() {
        if !is_root() {
            return;
        }
        let verdict = in_child(|| {
            let sock = packet_socket().map_err(|e| format!("socket before the drop: {e}"))?;
            drop_capabilities().map_err(|e| e.to_string())?;
            let me = current();
            if me.cap_effective != 0 || me.cap_permitted != 0 || !me.no_new_privs {
                return Err(format!("after the drop: {me}"));
            }
            // Still uid 0, but without CAP_NET_RAW.
            expect_eperm_on_new_socket()?;
            expect_socket_alive(&sock)
        });
        assert_eq!(verdict, Ok(()));
    }

    #[test]
    fn drop_capabilities_refuses_with_threads() {
        // The test harness runs tests on threads: more than one here.
        if thread_count() < 2 {
            return;
        }
        let before = current();
        let e = drop_capabilities().unwrap_err();
        assert!(e.to_string().contains("threads are running"), "{e}");
        assert_eq!(current(), before, "nothing was dropped");
    }

    #[test]
    fn current_reports_this_process() {
        let me = current();
        // SAFETY: plain getters.
        assert_eq!(me.uid, unsafe { libc::getuid() });
        assert_eq!(me.egid, unsafe { libc::getegid() });
        let line = me.to_string();
        assert!(line.starts_with(&format!("uid {} ", me.uid)), "{line}");
    }
}
