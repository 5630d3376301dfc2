// What a user typed, shown back safely: a flag value or file name can hold terminal escape
// sequences (an OSC that sets the window title, a cursor move that hides the rest of the line) or
// bidirectional overrides that reorder what is shown. Messages show them as visible escapes.

/** C0 and C1 controls, DEL, and the Unicode bidirectional embeddings, overrides and isolates. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** `text` with every control character written as \xHH or \uHHHH (newlines too: a message is one line). */
export function showControls(text: string): string {
  return text.replace(CONTROL, (c) => {
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}
