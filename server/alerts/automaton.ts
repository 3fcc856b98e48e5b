/**
 * Aho–Corasick over code points: every dictionary term found in one pass over the message,
 * whatever the number of terms (the default file has a few hundred; a province may add
 * thousands). Built once per rule file; `scan` allocates only the set it returns.
 */
export class Automaton<T> {
  private readonly next: Map<number, number>[] = [new Map()];
  private readonly fail: number[] = [0];
  private readonly out: T[][] = [[]];

  constructor(entries: Iterable<{ key: string; value: T }>) {
    for (const { key, value } of entries) {
      let node = 0;
      for (const ch of key) {
        const cp = ch.codePointAt(0) as number;
        let child = this.next[node]?.get(cp);
        if (child === undefined) {
          child = this.next.length;
          this.next.push(new Map());
          this.fail.push(0);
          this.out.push([]);
          (this.next[node] as Map<number, number>).set(cp, child);
        }
        node = child;
      }
      (this.out[node] as T[]).push(value);
    }
    // Breadth first: a node's failure link is the longest proper suffix that is also a path.
    const queue: number[] = [...(this.next[0] as Map<number, number>).values()];
    for (let head = 0; head < queue.length; head++) {
      const node = queue[head] as number;
      for (const [cp, child] of this.next[node] as Map<number, number>) {
        queue.push(child);
        let f = this.fail[node] as number;
        while (f !== 0 && !(this.next[f] as Map<number, number>).has(cp)) f = this.fail[f] as number;
        const target = (this.next[f] as Map<number, number>).get(cp);
        this.fail[child] = target !== undefined && target !== child ? target : 0;
        (this.out[child] as T[]).push(...(this.out[this.fail[child] as number] as T[]));
      }
    }
  }

  /** Every value whose key occurs in `text`, each once. */
  scan(text: string): Set<T> {
    const found = new Set<T>();
    let node = 0;
    for (const ch of text) {
      const cp = ch.codePointAt(0) as number;
      let step = (this.next[node] as Map<number, number>).get(cp);
      while (step === undefined && node !== 0) {
        node = this.fail[node] as number;
        step = (this.next[node] as Map<number, number>).get(cp);
      }
      node = step ?? 0;
      for (const v of this.out[node] as T[]) found.add(v);
    }
    return found;
  }
}
