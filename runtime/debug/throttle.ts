// Keeps the latest value per key and sends it at most once per interval, so a stage
// reporting progress in a tight loop never floods the IPC channel. Never blocks: a
// pending value goes out on a timer (unref'd) or at the next flush.
export class Throttle<T = unknown> {
  private readonly last = new Map<string, number>();
  private readonly pending = new Map<string, T>();
  private timer?: ReturnType<typeof setTimeout>;

  constructor(
    private readonly intervalMs: number,
    private readonly send: (value: T) => void,
  ) {}

  push(key: string, value: T): void {
    const now = Date.now();
    const last = this.last.get(key) ?? 0;
    if (now - last >= this.intervalMs && !this.pending.has(key)) {
      this.last.set(key, now);
      this.send(value);
      return;
    }
    this.pending.set(key, value);
    if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), Math.max(1, this.intervalMs - (now - last)));
      this.timer.unref?.();
    }
  }

  /** Send everything pending now (before an event that must come after it). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const now = Date.now();
    for (const [key, value] of this.pending) {
      this.last.set(key, now);
      this.send(value);
    }
    this.pending.clear();
  }
}
