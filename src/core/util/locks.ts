/** A queue of async jobs run one at a time, in the order asked. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(job: () => Promise<T>): Promise<T> {
    const result = this.tail.then(job);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/** At most `size` jobs at once; the others wait in the order asked. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.active >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await job();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

/**
 * Shared jobs run together, an exclusive one alone. Writer-preferring: once an
 * exclusive job waits, no new shared job starts, so applies are never starved
 * by a stream of computes.
 */
export class ReadWriteLock {
  private readers = 0;
  private writing = false;
  private writersWaiting = 0;
  private wakers: (() => void)[] = [];

  async shared<T>(job: () => Promise<T>): Promise<T> {
    while (this.writing || this.writersWaiting > 0) await this.wait();
    this.readers++;
    try {
      return await job();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  async exclusive<T>(job: () => Promise<T>): Promise<T> {
    this.writersWaiting++;
    try {
      while (this.writing || this.readers > 0) await this.wait();
    } finally {
      this.writersWaiting--;
    }
    this.writing = true;
    try {
      return await job();
    } finally {
      this.writing = false;
      this.wake();
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.wakers.push(resolve));
  }

  private wake(): void {
    for (const resolve of this.wakers.splice(0)) resolve();
  }
}
