/**
 * What a node owns, closed children first (mediasoup's cascading close): each thing is adopted
 * on the line that makes it, after what it uses, and `close` closes them in the reverse order,
 * so what uses a thing has stopped before the thing closes (the gateway before the services,
 * the services before the session registry, that before the ports and the store). A service
 * made without being adopted is the one thing that can be forgotten, and it shows where it is made.
 */
export class Owner {
  private readonly children: { name: string; close: () => void | Promise<void> }[] = [];
  private closing: Promise<void> | undefined;

  /** Takes `child`, to be closed by `close` before everything adopted earlier; returns it. */
  adopt<T>(name: string, child: T, close: (child: T) => void | Promise<void>): T {
    if (this.closing) throw new Error(`${name} adopted after close`);
    this.children.push({ name, close: () => close(child) });
    return child;
  }

  /**
   * Closes every child once, last adopted first. One that fails to close does not keep the
   * others open: all are closed, then the first failure is thrown, naming the child.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const failures: Error[] = [];
      for (const { name, close } of [...this.children].reverse()) {
        try {
          await close();
        } catch (e) {
          failures.push(new Error(`closing ${name} failed`, { cause: e }));
        }
      }
      if (failures.length === 1) throw failures[0];
      if (failures.length > 1) throw new AggregateError(failures, `closing ${failures.length} children failed`);
    })();
    return this.closing;
  }
}
