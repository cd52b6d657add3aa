/** Bytes read so far against the bytes a parse will read, shared by the readers of one parse. */
export class Progress {
  bytesRead = 0;
  totalBytes = 0;
}
