/** Offers text to the user as a downloaded file (extension pages have no other way to save one). */
export function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  // The download reads the blob asynchronously; revoking at once can cut it off.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** `keygate-<what>-YYYY-MM-DD.<ext>`, so exports sort by date. */
export function datedFileName(what: string, extension: string): string {
  return `keygate-${what}-${new Date().toISOString().slice(0, 10)}.${extension}`;
}
