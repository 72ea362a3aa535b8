/**
 * PUTs the file to its presigned URL with the signed headers. XMLHttpRequest rather than fetch:
 * only it reports upload progress.
 */
export function putFile(
  url: string,
  headers: Readonly<Record<string, string>>,
  file: File,
  onProgress: (sent: number, total: number) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open('PUT', url);
    for (const [name, value] of Object.entries(headers)) request.setRequestHeader(name, value);
    request.upload.onprogress = (event) => onProgress(event.loaded, event.total || file.size);
    request.onload = () => {
      if (request.status >= 200 && request.status < 300) resolve();
      else reject(new Error(uploadRefusal(request.status, request.responseText)));
    };
    request.onerror = () =>
      reject(
        new Error('The upload did not reach storage (network error, or this site is not allowed to upload).'),
      );
    request.send(file);
  });
}

/** S3's XML error, as a sentence: an expired link is the one a person can act on. */
function uploadRefusal(status: number, xml: string): string {
  const message = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1];
  if (status === 403 && /expired/i.test(message ?? '')) {
    return 'The upload link expired before the file was sent. Choose the file again.';
  }
  return `Storage refused the upload (HTTP ${status}${message ? `: ${message}` : ''}).`;
}
