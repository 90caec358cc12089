//! Custom answers read again out of process. A diagnosis made through a team's function
//! profile is checked by reading its answer with the profile the device sent: another team's
//! jq, run on the service. The profile language refuses what could loop or reach outside the
//! document, but a filter written to exhaust memory, CPU or the stack (a value doubled forty
//! times, an expression nested thousands deep) would still take the whole service down with
//! it. So the service reads custom answers in child processes of its own binary
//! (`substation-central read-profiles`), each limited in memory, CPU time and stack; a child
//! that dies refuses only the item it was reading, and the next item gets a new child.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::PathBuf;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

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

/// What a reading child may use: memory (address space), CPU seconds per answer, and the
/// stack of the thread that reads. The stack is half of what a laptop's threads have (2 MiB),
/// so that what reads here also reads on every laptop that pulls it.
pub const CHILD_MEMORY_BYTES: u64 = 1024 * 1024 * 1024;
pub const CHILD_CPU_SECONDS_PER_ANSWER: u64 = 2;
pub const CHILD_STACK_BYTES: usize = 1024 * 1024;

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

    /// A reader for one upload thread; its child goes back to the idle ones when dropped.
    pub(crate) fn reader(&self) -> Reader<'_> {
        match &self.reading {
            CustomReading::InProcess => Reader::InProcess(Profiles::default()),
            CustomReading::Isolated { program } => Reader::Isolated {
                readers: self,
                program,
                child: None,
            },
        }
    }
}

pub(crate) enum Reader<'a> {
    InProcess(Profiles),
    Isolated {
        readers: &'a Readers,
        program: &'a PathBuf,
        child: Option<ReaderChild>,
    },
}

impl ReadCustom for Reader<'_> {
    fn read_custom(
        &mut self,
        profile: &ProfileInfo,
        answer: &[u8],
    ) -> Result<CustomRead, InvalidItem> {
        let (readers, program, child) = match self {
            Reader::InProcess(profiles) => return profiles.read_custom(profile, answer),
            Reader::Isolated {
                readers,
                program,
                child,
            } => (*readers, *program, child),
        };
        let mut current = match child.take() {
            Some(current) => current,
            None => {
                let idle = readers.idle.lock().ok().and_then(|mut idle| idle.pop());
                match idle {
                    Some(current) => current,
                    None => ReaderChild::spawn(program).map_err(|err| {
                        tracing::error!(error = %err, "cannot start a profile reader");
                        InvalidItem::BadProfile(format!(
                            "the service could not start a reader for it ({err}); send it again \
                             later"
                        ))
                    })?,
                }
            }
        };
        match current.read(profile, answer) {
            Ok(reply) => {
                *child = Some(current);
                match reply {
                    Reply::Read(read) => Ok(read),
                    Reply::BadProfile(message) => Err(InvalidItem::BadProfile(message)),
                    Reply::BadResponse(message) => Err(InvalidItem::BadResponse(message)),
                }
            }
            // The child died (out of memory, CPU time or stack) or spoke nonsense: it is
            // dropped (killed and reaped), and only this item is refused.
            Err(err) => {
                tracing::warn!(profile = %profile.name, error = %err, "a profile reader failed");
                Err(InvalidItem::BadResponse(format!(
                    "its profile could not read it within the service's limits ({} MiB of \
                     memory, {CHILD_CPU_SECONDS_PER_ANSWER} s of CPU, {} KiB of stack)",
                    CHILD_MEMORY_BYTES / (1024 * 1024),
                    CHILD_STACK_BYTES / 1024
                )))
            }
        }
    }
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        if let Reader::Isolated { readers, child, .. } = self
            && let Some(child) = child.take()
            && let Ok(mut idle) = readers.idle.lock()
        {
            idle.push(child);
        }
    }
}

/// A running `read-profiles` child.
pub(crate) struct ReaderChild {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
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
        Ok(ReaderChild {
            child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    fn read(&mut self, profile: &ProfileInfo, answer: &[u8]) -> std::io::Result<Reply> {
        let header = Request {
            profile: profile.clone(),
            answer_bytes: answer.len(),
        };
        let mut line = serde_json::to_vec(&header)?;
        line.push(b'\n');
        self.stdin.write_all(&line)?;
        self.stdin.write_all(answer)?;
        self.stdin.flush()?;
        let mut reply = String::new();
        if self.stdout.read_line(&mut reply)? == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the reader ended",
            ));
        }
        Ok(serde_json::from_str(&reply)?)
    }
}

impl Drop for ReaderChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The child's side: reads requests from standard input until it ends, on a thread with
/// [`CHILD_STACK_BYTES`] of stack, under the memory limit and a CPU limit renewed per answer.
pub fn serve_reader() -> std::process::ExitCode {
    limit_memory();
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
            Err(InvalidItem::BadProfile(message)) => Reply::BadProfile(message),
            Err(other) => Reply::BadResponse(other.to_string()),
        };
        let mut line = serde_json::to_vec(&reply)?;
        line.push(b'\n');
        output.write_all(&line)?;
        output.flush()?;
    }
}

#[cfg(unix)]
fn limit_memory() {
    use nix::sys::resource::{Resource, setrlimit};
    let _ = setrlimit(Resource::RLIMIT_AS, CHILD_MEMORY_BYTES, CHILD_MEMORY_BYTES);
}

/// The CPU limit counts the process's whole life: before each answer its soft limit is set
/// to what was used so far plus the allowance; past it the kernel ends the process (SIGXCPU).
/// The hard limit stays as it is: a process may not raise it again once lowered.
#[cfg(unix)]
fn limit_cpu_for_one_answer() {
    use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};
    let (Ok(usage), Ok((_, hard))) = (
        getrusage(UsageWho::RUSAGE_SELF),
        getrlimit(Resource::RLIMIT_CPU),
    ) else {
        return;
    };
    let used = (usage.user_time().tv_sec() + usage.system_time().tv_sec() + 1).max(0) as u64;
    let soft = (used + CHILD_CPU_SECONDS_PER_ANSWER).min(hard);
    let _ = setrlimit(Resource::RLIMIT_CPU, soft, hard);
}

#[cfg(not(unix))]
fn limit_memory() {}

#[cfg(not(unix))]
fn limit_cpu_for_one_answer() {}
