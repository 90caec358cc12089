//! The server's Python mode: each invocation is handed to a pool of Python worker processes
//! that run a real handler file (`def lambda_handler(event, context)`), one event per worker
//! at a time, as Lambda runs one event per execution environment. A team's own function is
//! tested as its code, not as a stand-in.
//!
//! A worker reads one event per line on its standard input and writes one line back: `R`
//! and the JSON of what the handler returned, or `E` and the JSON of a Lambda function error
//! (`errorType`, `errorMessage`) when it raised. What the handler prints goes to the worker's
//! standard error, as it would go to CloudWatch. A worker that dies is replaced by the next
//! invocation that needs one; the invocation it was running fails as a function error.

use std::path::PathBuf;
use std::process::Stdio;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::{Mutex, Semaphore};

/// A Python handler to run for every invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PythonHandler {
    /// The handler's file; its directory is on the module path, as in a deployment package.
    pub file: PathBuf,
    /// The function in it Lambda would call (`handler.lambda_handler` → `lambda_handler`).
    pub function: String,
    /// Worker processes, each running one invocation at a time; more invocations wait.
    pub workers: usize,
    /// The Python interpreter (`python3`, or `python` on Windows, unless told).
    pub python: String,
    /// How long one invocation may run before its worker is killed and the invocation fails
    /// as Lambda's timeout does.
    pub timeout: std::time::Duration,
}

impl PythonHandler {
    /// `file`'s `lambda_handler`, on `workers` processes of `python3`.
    pub fn new(file: impl Into<PathBuf>, workers: usize) -> PythonHandler {
        PythonHandler {
            file: file.into(),
            function: "lambda_handler".to_owned(),
            workers: workers.max(1),
            // What python.org's installer and CI's setup-python put on PATH.
            python: if cfg!(windows) { "python" } else { "python3" }.to_owned(),
            timeout: std::time::Duration::from_secs(60),
        }
    }
}

/// What one invocation of the handler gave.
pub(crate) enum Invoked {
    /// What the handler returned, as JSON.
    Returned(Vec<u8>),
    /// The handler raised, or its worker died: Lambda's function-error payload.
    Failed(Vec<u8>),
}

/// The loop each worker runs. Loads the handler file as a module from its own directory.
const RUNNER: &str = r#"
import importlib.util, json, os, sys, traceback
# Answers go to a copy of the original standard output; everything else the handler (or a
# library under it) writes to file descriptor 1 goes to standard error, so it cannot be taken
# for an answer.
answers = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
sys.stdout = sys.stderr
path, name = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.dirname(os.path.abspath(path)))
spec = importlib.util.spec_from_file_location("handler", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
handler = getattr(module, name)
for line in sys.stdin:
    try:
        answer = "R" + json.dumps(handler(json.loads(line), None))
    except Exception as error:
        traceback.print_exc()
        answer = "E" + json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)})
    answers.write(answer + "\n")
    answers.flush()
"#;

struct Worker {
    // Kept so that the process is killed when the worker is dropped.
    _child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

pub(crate) struct Pool {
    handler: PythonHandler,
    idle: Mutex<Vec<Worker>>,
    slots: Semaphore,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("handler", &self.handler)
            .finish()
    }
}

impl Pool {
    pub(crate) fn new(handler: PythonHandler) -> Pool {
        Pool {
            slots: Semaphore::new(handler.workers),
            idle: Mutex::new(Vec::new()),
            handler,
        }
    }

    fn spawn(&self) -> std::io::Result<Worker> {
        let mut child = Command::new(&self.handler.python)
            .arg("-c")
            .arg(RUNNER)
            .arg(&self.handler.file)
            .arg(&self.handler.function)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()?;
        let (Some(stdin), Some(stdout)) = (child.stdin.take(), child.stdout.take()) else {
            return Err(std::io::Error::other("the worker's pipes are missing"));
        };
        Ok(Worker {
            _child: child,
            stdin,
            stdout: BufReader::new(stdout),
        })
    }

    /// Runs the handler on one event (its JSON, on one line).
    pub(crate) async fn invoke(&self, event: &[u8]) -> Invoked {
        let Ok(_slot) = self.slots.acquire().await else {
            return failed("Runtime.Unavailable", "the worker pool is closed");
        };
        let idle = self.idle.lock().await.pop();
        let mut worker = match idle {
            Some(worker) => worker,
            None => match self.spawn() {
                Ok(worker) => worker,
                Err(error) => {
                    return failed(
                        "Runtime.StartError",
                        &format!("cannot start {}: {error}", self.handler.python),
                    );
                }
            },
        };
        // An event holds no raw newline: JSON escapes them inside strings.
        let one_line: Vec<u8> = event.iter().copied().filter(|b| *b != b'\n').collect();
        let mut line = String::new();
        let exchanged = tokio::time::timeout(self.handler.timeout, async {
            worker.stdin.write_all(&one_line).await?;
            worker.stdin.write_all(b"\n").await?;
            worker.stdin.flush().await?;
            // An answer is at most what Lambda returns (6 MB) and its prefix.
            (&mut worker.stdout)
                .take(crate::MAX_PAYLOAD_BYTES as u64 + 2)
                .read_line(&mut line)
                .await
        })
        .await;
        let Ok(exchanged) = exchanged else {
            // The worker is dropped, which kills it; the next invocation starts another.
            return failed(
                "Sandbox.Timedout",
                &format!(
                    "Task timed out after {:.2} seconds",
                    self.handler.timeout.as_secs_f64()
                ),
            );
        };
        // Only a whole line is an answer; a worker that said anything else is dropped (its
        // next line would belong to no invocation).
        let answer = match exchanged {
            Ok(read) if read > 0 && line.ends_with('\n') => {
                let line = line.trim_end_matches('\n');
                match line.split_at_checked(1) {
                    Some(("R", answer)) => Some(Invoked::Returned(answer.as_bytes().to_vec())),
                    Some(("E", error)) => Some(Invoked::Failed(error.as_bytes().to_vec())),
                    _ => None,
                }
            }
            _ => None,
        };
        match answer {
            Some(answer) => {
                self.idle.lock().await.push(worker);
                answer
            }
            // The worker died (its handler killed the process, a segfault) or answered
            // garbage: dropped, and replaced by the next invocation.
            None => failed(
                "Runtime.ExitError",
                "Runtime exited without providing a reason",
            ),
        }
    }
}

fn failed(kind: &str, message: &str) -> Invoked {
    Invoked::Failed(
        serde_json::json!({"errorType": kind, "errorMessage": message})
            .to_string()
            .into_bytes(),
    )
}
