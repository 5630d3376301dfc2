// The input the questions read: the terminal's bytes, handed on one key at a time and only while a
// question listens. inquirer opens a new readline for every question, and readline turns a whole
// chunk of input into keypresses at once, so keys pasted (or typed) ahead of a question went to the
// question before it, or to none, and were lost. Here they wait for the question they belong to.
import { EventEmitter } from 'node:events';
import { StringDecoder } from 'node:string_decoder';

/** The terminal side the questions need: bytes in, raw mode for single keys. */
export interface KeySource {
  on(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  on(event: 'end', listener: () => void): unknown;
  removeListener(event: 'data', listener: (chunk: Buffer | string) => void): unknown;
  removeListener(event: 'end', listener: () => void): unknown;
  resume(): unknown;
  pause(): unknown;
  setRawMode?(mode: boolean): unknown;
  isRaw?: boolean;
}

/**
 * One key per match: CR LF (a pasted Windows line end) as one Enter, an escape sequence (arrows,
 * Home, F-keys: CSI or SS3), Alt+key, or one character.
 */
const KEY = /\r\n|\x1b\[[0-?]*[ -/]*[@-~]|\x1bO.|\x1b[^[O]|[^]/gu;
const CTRL_C = '\x03';

export function splitKeys(text: string): string[] {
  return text.match(KEY) ?? [];
}

/**
 * A readable-like stream for readline (readline needs only events, pause/resume and raw mode).
 * It deliberately has no `isTTY`: @inquirer/core then starts each question's key handling at once
 * instead of one tick later (its guard against stale keys, which this queue replaces), so a key
 * handed on after a tick always finds the question listening.
 */
export class QuestionInput extends EventEmitter {
  private readonly decoder = new StringDecoder('utf8');
  private readonly queue: string[] = [];
  private listening = false;
  /** counts the questions shown, to tell a question that is still waiting from the next one */
  private question = 0;
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly source: KeySource) {
    super();
    // a question's readline and key handler attach together: the keys waiting are for it
    this.on('newListener', (event: string) => {
      if (event === 'keypress') this.schedule();
    });
    // A readline drops its 'end' listener only when it closes. Closed while its question still
    // waits a tick later (Ctrl-D on an empty line closes it), the question can never be answered:
    // 'abandoned' tells the asker to give it up rather than wait for ever.
    this.on('removeListener', (event: string) => {
      if (event !== 'end' || !this.listening) return;
      const question = this.question;
      setImmediate(() => {
        if (this.listening && this.question === question) this.emit('abandoned');
      });
    });
    source.on('data', this.onData);
    source.on('end', this.onEnd);
    source.resume();
  }

  get isRaw(): boolean {
    return Boolean(this.source.isRaw);
  }

  setRawMode(mode: boolean): this {
    this.source.setRawMode?.(mode);
    return this;
  }

  // readline pauses its input when a question closes; the terminal keeps being read here so the
  // keys that come between questions are kept for the next one
  resume(): this {
    return this;
  }

  pause(): this {
    return this;
  }

  /** A question is shown (true) or has settled (false); keys are handed on only while one is shown. */
  setListening(listening: boolean): void {
    this.listening = listening;
    if (listening) {
      this.question++;
      this.schedule();
    }
  }

  /** Stops reading the terminal; keys not used by any question are dropped. */
  close(): void {
    this.listening = false;
    this.queue.length = 0;
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    this.source.removeListener('data', this.onData);
    this.source.removeListener('end', this.onEnd);
    this.source.pause();
  }

  /** The input ended (the terminal closed): readline closes its question, which is then given up. */
  private readonly onEnd = (): void => {
    this.queue.length = 0;
    this.emit('end');
  };

  private readonly onData = (chunk: Buffer | string): void => {
    const keys = splitKeys(typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    const interrupt = keys.indexOf(CTRL_C);
    // Ctrl-C goes ahead of anything still queued: the user wants out now, not after the paste
    if (interrupt >= 0) this.queue.splice(0, this.queue.length, CTRL_C);
    else this.queue.push(...keys);
    this.schedule();
  };

  /**
   * One key per tick: the question reacts to a key in microtasks (its search, its validation), so
   * by the next tick it is ready for the next key, or it has settled and the next question (if it
   * follows at once) is listening.
   */
  private schedule(): void {
    if (this.pending || !this.queue.length) return;
    this.pending = setImmediate(() => {
      this.pending = undefined;
      if (!this.listening || this.listenerCount('keypress') === 0) return; // setListening(true) or the next question's readline resumes
      this.emit('data', Buffer.from(this.queue.shift()!));
      this.schedule();
    });
  }
}
