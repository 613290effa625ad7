//! Running a local engine as a child process: the GPL engines stay out of our binary.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::SynthError;

/// Whether `program` can be found on `PATH` (or exists, if it is a path).
pub(crate) fn installed(program: &str) -> bool {
    if program.contains(std::path::MAIN_SEPARATOR) {
        return Path::new(program).is_file();
    }
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

/// Run `program args…`, feed `stdin`, wait at most `timeout`, and return its stdout.
///
/// A non-zero exit is an [`SynthError::Engine`] carrying the last lines of the engine's
/// stderr; a crash by signal may be retried, a plain failure not.
pub(crate) async fn run(
    backend: &str,
    chunk: usize,
    program: &str,
    args: &[String],
    stdin: Option<&[u8]>,
    timeout: Duration,
) -> Result<Vec<u8>, SynthError> {
    let engine_error = |message: String, retryable: bool| SynthError::Engine {
        backend: backend.to_owned(),
        chunk,
        message,
        retryable,
    };
    let mut child = Command::new(program)
        .args(args)
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| engine_error(format!("cannot start {program}: {e}"), false))?;
    if let (Some(input), Some(mut pipe)) = (stdin, child.stdin.take()) {
        // A broken pipe here means the engine exited early; its status says why.
        let _ = pipe.write_all(input).await;
        drop(pipe);
    }
    let output = match tokio::time::timeout(timeout, child.wait_with_output()).await {
        Ok(result) => result.map_err(|e| engine_error(format!("{program} failed: {e}"), true))?,
        Err(_) => {
            return Err(SynthError::Timeout { backend: backend.to_owned(), chunk, after: timeout });
        }
    };
    if output.status.success() {
        return Ok(output.stdout);
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    let tail: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    let tail = tail[tail.len().saturating_sub(3)..].join(" / ");
    let killed = output.status.code().is_none();
    let status = output
        .status
        .code()
        .map_or_else(|| "killed by a signal".to_owned(), |c| format!("exit status {c}"));
    let detail = if tail.is_empty() { String::new() } else { format!(": {tail}") };
    Err(engine_error(format!("{program} failed ({status}){detail}"), killed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_failing_program_reports_its_status_and_stderr() {
        let args = vec!["-c".to_owned(), "echo boom >&2; exit 3".to_owned()];
        let err = run("command", 7, "sh", &args, None, Duration::from_secs(10)).await.unwrap_err();
        let msg = err.to_string();
        assert!(
            msg.contains("chunk 7") && msg.contains("exit status 3") && msg.contains("boom"),
            "{msg}"
        );
        assert!(!err.is_retryable());
    }

    #[tokio::test]
    async fn a_hanging_program_times_out() {
        let args = vec!["5".to_owned()];
        let err =
            run("command", 1, "sleep", &args, None, Duration::from_millis(100)).await.unwrap_err();
        assert!(matches!(err, SynthError::Timeout { .. }));
    }

    #[test]
    fn sh_is_installed_and_a_made_up_program_is_not() {
        assert!(installed("sh"));
        assert!(!installed("articulate-no-such-engine"));
    }
}
