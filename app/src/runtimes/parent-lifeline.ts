/**
 * Calls `onParentGone` once this process's parent has died, whatever killed
 * it: the kernel then hands this process to another parent (init or a
 * subreaper), and `process.ppid` changes. Polled, because no signal tells a
 * process its parent died unless the parent asked for one (Linux's
 * PR_SET_PDEATHSIG, out of Node's reach). The timer never keeps the process
 * alive on its own. Once the parent is gone, write errors on stdout and
 * stderr are ignored.
 */
export function watchParent(onParentGone: () => void, intervalMs = 500): () => void {
  const parent = process.ppid;
  // Started by init (or as a container's first process), there is nobody to outlive.
  if (parent <= 1) return () => undefined;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    // The parent's ends of our stdout and stderr are likely gone with it: a failed write must not crash the shutdown.
    for (const stream of [process.stdout, process.stderr]) stream.on("error", () => undefined);
    onParentGone();
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
