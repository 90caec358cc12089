//! Custom answers read again out of process. A diagnosis made through a team's function
//! profile is checked by reading its answer with the profile the device sent: another team's
//! jq, run on the service. The profile language refuses what could loop or reach outside the
//! document, but a filter written to exhaust memory, CPU or the stack (a value doubled forty
//! times, an expression nested thousands deep) would still take the whole service down with
//! it. So the service reads custom answers in child processes of its own binary
//! (`substation-central read-profiles`), each limited in memory, CPU time, stack and wall
//! time; a child that dies refuses only the item it was reading, and the next item gets a new
//! child. Each upload thread also has a budget of reading time per batch, so that a batch of
//! thousands of slow profiles cannot hold an upload slot for long.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use substation_sync_protocol::{CustomRead, InvalidItem, ProfileInfo, Profiles, ReadCustom};

/// How the service reads custom answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CustomReading {
    /// In child processes running `program read-profiles` (`substation-central serve` runs
    /// its own binary so).
    Isolated { program: PathBuf },
    /// In the service's own process: for tests and tools that embed the service, where the
    /// devices are the test's own.
    InProcess,
}

/// What a reading child may use: memory (address space), CPU seconds per answer, the stack of
/// the thread that reads, and wall time per answer. The stack is half of what a laptop's
/// threads have (2 MiB).
pub const CHILD_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
pub const CHILD_CPU_SECONDS_PER_ANSWER: u64 = 2;
pub const CHILD_STACK_BYTES: usize = 1024 * 1024;
pub const CHILD_WALL_TIME_PER_ANSWER: Duration = Duration::from_secs(5);
/// Reading time one upload thread may spend on custom answers in one batch; the custom items
/// past it are refused (an honest profile reads an answer in about a millisecond).
pub const READING_BUDGET_PER_THREAD: Duration = Duration::from_secs(30);
/// Answers a child reads before it is replaced, so that its cache of compiled profiles and
/// whatever its allocator holds cannot grow without bound.
const CHILD_ANSWERS: u32 = 1_000;
/// The longest reply line read from a child; the child shortens its messages well below it.
const MAX_REPLY_BYTES: u64 = 64 * 1024;
const MAX_MESSAGE_CHARS: usize = 1_000;

/// One request to a child: this header as a JSON line, then `answer_bytes` bytes of answer.
#[derive(Serialize, Deserialize)]
struct Request {
    profile: ProfileInfo,
    answer_bytes: usize,
}

/// A child's answer, as a JSON line.
#[derive(Serialize, Deserialize)]
enum Reply {
    Read(CustomRead),
    BadProfile(String),
    BadResponse(String),
}

/// The children not reading at the moment, shared by the service's upload threads.
pub(crate) struct Readers {
    reading: CustomReading,
    idle: Mutex<Vec<ReaderChild>>,
}

impl Readers {
    pub(crate) fn new(reading: CustomReading) -> Self {
        Readers {
            reading,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// A reader for one upload thread and one batch; its child goes back to the idle ones
    /// when dropped.
    pub(crate) fn reader(&self) -> Reader<'_> {
        let kind = match &self.reading {
            CustomReading::InProcess => Kind::InProcess(Profiles::default()),
            CustomReading::Isolated { program } => Kind::Isolated {
                readers: self,
                program,
                child: None,
            },
        };
        Reader {
            kind,
            spent: Duration::ZERO,
            fault: None,
        }
    }
}

pub(crate) struct Reader<'a> {
    kind: Kind<'a>,
    /// Reading time spent so far in this batch.
    spent: Duration,
    /// A fault of the service's own (no child could be started): the batch must be answered
    /// 503, not its items refused.
    fault: Option<String>,
}

enum Kind<'a> {
    InProcess(Profiles),
    Isolated {
        readers: &'a Readers,
        program: &'a PathBuf,
        child: Option<ReaderChild>,
    },
}

impl Reader<'_> {
    /// The service's own fault met while reading, if any.
    pub(crate) fn take_fault(&mut self) -> Option<String> {
        self.fault.take()
    }
}

impl ReadCustom for Reader<'_> {
    fn read_custom(
        &mut self,
        profile: &ProfileInfo,
        answer: &[u8],
    ) -> Result<CustomRead, InvalidItem> {
        if self.spent >= READING_BUDGET_PER_THREAD {
            return Err(InvalidItem::BadResponse(format!(
                "the service spent its {} s of reading time for this batch on other custom \
                 answers; send this one in another batch",
                READING_BUDGET_PER_THREAD.as_secs()
            )));
        }
        let started = Instant::now();
        let read = match &mut self.kind {
            Kind::InProcess(profiles) => profiles.read_custom(profile, answer),
            Kind::Isolated {
                readers,
                program,
                child,
            } => read_isolated(readers, program, child, profile, answer, &mut self.fault),
        };
        self.spent += started.elapsed();
        read
    }
}

fn read_isolated(
    readers: &Readers,
    program: &PathBuf,
    slot: &mut Option<ReaderChild>,
    profile: &ProfileInfo,
    answer: &[u8],
    fault: &mut Option<String>,
) -> Result<CustomRead, InvalidItem> {
    // A child whose request could not even be written (it had died idle, say) is replaced
    // once: the item is not to blame.
    for attempt in 0..2 {
        let mut child = match slot.take().or_else(|| readers.idle_child()) {
            Some(child) => child,
            None => match ReaderChild::spawn(program) {
                Ok(child) => child,
                Err(err) => {
                    tracing::error!(error = %err, "cannot start a profile reader");
                    *fault = Some(format!("the service cannot start a profile reader: {err}"));
                    return Err(InvalidItem::BadResponse(
                        "the service could not read it".into(),
                    ));
                }
            },
        };
        if child.send(profile, answer).is_err() {
            child.log_end("before it took the request");
            if attempt == 0 {
                continue;
            }
            *fault = Some("the service's profile readers end before they read".into());
            return Err(InvalidItem::BadResponse(
                "the service could not read it".into(),
            ));
        }
        return match child.reply() {
            Ok(reply) => {
                if child.answered < CHILD_ANSWERS {
                    *slot = Some(child);
                }
                match reply {
                    Reply::Read(read) => Ok(read),
                    Reply::BadProfile(message) => Err(InvalidItem::BadProfile(message)),
                    Reply::BadResponse(message) => Err(InvalidItem::BadResponse(message)),
                }
            }
            // The child died (out of memory, CPU time, stack or wall time) or spoke nonsense:
            // it is dropped (killed and reaped), and only this item is refused.
            Err(err) => {
                tracing::warn!(profile = %profile.name, error = %err, "a profile reader failed");
                child.log_end("while reading");
                Err(InvalidItem::BadResponse(format!(
                    "its profile could not read it within the service's limits ({} MiB of \
                     memory, {CHILD_CPU_SECONDS_PER_ANSWER} s of CPU, {} s in all, {} KiB of \
                     stack)",
                    CHILD_MEMORY_BYTES / (1024 * 1024),
                    CHILD_WALL_TIME_PER_ANSWER.as_secs(),
                    CHILD_STACK_BYTES / 1024
                )))
            }
        };
    }
    Err(InvalidItem::BadResponse(
        "the service could not read it".into(),
    ))
}

impl Readers {
    /// An idle child that is still running.
    fn idle_child(&self) -> Option<ReaderChild> {
        let mut idle = self.idle.lock().ok()?;
        while let Some(mut child) = idle.pop() {
            if child.running() {
                return Some(child);
            }
            child.log_end("while idle");
        }
        None
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Kind::Isolated { readers, child, .. } = &mut self.kind
            && let Some(child) = child.take()
            && let Ok(mut idle) = readers.idle.lock()
        {
            idle.push(child);
        }
    }
}

/// A running `read-profiles` child, and the watchdog that kills it when an answer takes
/// longer than [`CHILD_WALL_TIME_PER_ANSWER`].
pub(crate) struct ReaderChild {
    child: Arc<Mutex<Child>>,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    /// `Some(deadline)` when a request is out, `None` when it was answered.
    watchdog: Sender<Option<Instant>>,
    answered: u32,
}

impl ReaderChild {
    fn spawn(program: &PathBuf) -> std::io::Result<ReaderChild> {
        let mut child = Command::new(program)
            .arg("read-profiles")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("the reader's pipes are missing"));
        };
        let child = Arc::new(Mutex::new(child));
        let (watchdog, deadlines) = std::sync::mpsc::channel();
        let watched = child.clone();
        std::thread::Builder::new()
            .name("profile-reader-watchdog".into())
            .spawn(move || watch(&watched, &deadlines))?;
        Ok(ReaderChild {
            child,
            stdin,
            stdout: BufReader::new(stdout),
            watchdog,
            answered: 0,
        })
    }

    fn send(&mut self, profile: &ProfileInfo, answer: &[u8]) -> std::io::Result<()> {
        let header = Request {
            profile: profile.clone(),
            answer_bytes: answer.len(),
        };
        let mut line = serde_json::to_vec(&header)?;
        line.push(b'\n');
        let _ = self
            .watchdog
            .send(Some(Instant::now() + CHILD_WALL_TIME_PER_ANSWER));
        self.stdin.write_all(&line)?;
        self.stdin.write_all(answer)?;
        self.stdin.flush()
    }

    fn reply(&mut self) -> std::io::Result<Reply> {
        let mut reply = Vec::new();
        (&mut self.stdout)
            .take(MAX_REPLY_BYTES)
            .read_until(b'\n', &mut reply)?;
        let _ = self.watchdog.send(None);
        if reply.last() != Some(&b'\n') {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the reader ended, or its reply was too long",
            ));
        }
        self.answered += 1;
        Ok(serde_json::from_slice(&reply)?)
    }

    fn running(&mut self) -> bool {
        self.child
            .lock()
            .is_ok_and(|mut child| matches!(child.try_wait(), Ok(None)))
    }

    /// Logs how a child ended (the signal that ended it, when one did).
    fn log_end(&mut self, when: &str) {
        let Ok(mut child) = self.child.lock() else {
            return;
        };
        let _ = child.kill();
        if let Ok(status) = child.wait() {
            #[cfg(unix)]
            let signal = std::os::unix::process::ExitStatusExt::signal(&status);
            #[cfg(not(unix))]
            let signal: Option<i32> = None;
            tracing::warn!(?signal, code = ?status.code(), "a profile reader ended {when}");
        }
    }
}

/// Kills the child when a request is out past its deadline.
fn watch(child: &Mutex<Child>, deadlines: &Receiver<Option<Instant>>) {
    let mut deadline: Option<Instant> = None;
    loop {
        let next = match deadline {
            Some(at) => deadlines.recv_timeout(at.saturating_duration_since(Instant::now())),
            None => deadlines.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match next {
            Ok(next) => deadline = next,
            Err(RecvTimeoutError::Timeout) => {
                if let Ok(mut child) = child.lock() {
                    let _ = child.kill();
                }
                deadline = None;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        }
    }
}

impl Drop for ReaderChild {
    fn drop(&mut self) {
        if let Ok(mut child) = self.child.lock() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// The child's side: reads requests from standard input until it ends, on a thread with
/// [`CHILD_STACK_BYTES`] of stack, under the memory limit and a CPU limit renewed per answer.
pub fn serve_reader() -> std::process::ExitCode {
    limit_process();
    let reader = std::thread::Builder::new()
        .name("read-profiles".into())
        .stack_size(CHILD_STACK_BYTES)
        .spawn(read_requests);
    match reader.map(std::thread::JoinHandle::join) {
        Ok(Ok(Ok(()))) => std::process::ExitCode::SUCCESS,
        _ => std::process::ExitCode::FAILURE,
    }
}

fn read_requests() -> std::io::Result<()> {
    let mut input = BufReader::new(std::io::stdin().lock());
    let mut output = std::io::stdout().lock();
    let mut profiles = Profiles::default();
    let mut header = String::new();
    loop {
        header.clear();
        if input.read_line(&mut header)? == 0 {
            return Ok(());
        }
        let request: Request = serde_json::from_str(&header)?;
        let mut answer = vec![0; request.answer_bytes];
        input.read_exact(&mut answer)?;
        limit_cpu_for_one_answer();
        let reply = match profiles.read_custom(&request.profile, &answer) {
            Ok(read) => Reply::Read(read),
            Err(InvalidItem::BadProfile(message)) => Reply::BadProfile(shorten(message)),
            Err(other) => Reply::BadResponse(shorten(other.to_string())),
        };
        let mut line = serde_json::to_vec(&reply)?;
        line.push(b'\n');
        output.write_all(&line)?;
        output.flush()?;
    }
}

/// A message of at most [`MAX_MESSAGE_CHARS`] (jq's errors quote whole values).
fn shorten(message: String) -> String {
    if message.chars().count() <= MAX_MESSAGE_CHARS {
        return message;
    }
    let mut short: String = message.chars().take(MAX_MESSAGE_CHARS).collect();
    short.push('…');
    short
}

/// Memory, and no core file: a child ended by its limits must not write a gigabyte to disk.
#[cfg(unix)]
fn limit_process() {
    use nix::sys::resource::{Resource, setrlimit};
    let _ = setrlimit(Resource::RLIMIT_AS, CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES);
    let _ = setrlimit(Resource::RLIMIT_CORE, 0, 0);
}

/// The CPU limit counts the process's whole life: before each answer its soft limit is set
/// to what was used so far, rounded up to the second, plus the allowance; past it the kernel
/// ends the process (SIGXCPU). The hard limit stays as it is: a process may not raise it
/// again once lowered.
#[cfg(unix)]
fn limit_cpu_for_one_answer() {
    use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};
    let (Ok(usage), Ok((_, hard))) = (
        getrusage(UsageWho::RUSAGE_SELF),
        getrlimit(Resource::RLIMIT_CPU),
    ) else {
        return;
    };
    let micros = |t: nix::sys::time::TimeVal| t.tv_sec() * 1_000_000 + t.tv_usec();
    let used = (micros(usage.user_time()) + micros(usage.system_time())).max(0) as u64;
    let soft = (used.div_ceil(1_000_000) + CHILD_CPU_SECONDS_PER_ANSWER).min(hard);
    let _ = setrlimit(Resource::RLIMIT_CPU, soft, hard);
}

#[cfg(not(unix))]
fn limit_process() {}

#[cfg(not(unix))]
fn limit_cpu_for_one_answer() {}
