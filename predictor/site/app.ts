import type { UploadSiteConfig } from '../../constructs/contracts/predictor';
import { h, show } from './dom';
import { megabytes } from './error-text';
import { checkFile, FileRefused } from './file-check';
import { SignIn } from './sign-in';
import { SiteApi, SiteError, type UploadView } from './site-api';
import { loadSiteConfig } from './site-config';
import { putFile } from './upload-file';
import { errorBox, isFinal, recentList, resultView } from './views';

// The scorer finishes a typical export in seconds; polling every 2 s shows it soon without hammering
// the API, and stops when the result is final.
const POLL_MS = 2000;
const RESULT_PATH = /^\/results\/([0-9a-f-]{36})$/i;

const main = document.getElementById('main') as HTMLElement;
const account = document.getElementById('account') as HTMLElement;
let polling: ReturnType<typeof setTimeout> | undefined;

async function start(): Promise<void> {
  const config = await loadSiteConfig();
  const expiry = document.getElementById('expiry');
  if (expiry)
    expiry.textContent = config.uploadExpiryDays === 1 ? 'a day' : `${config.uploadExpiryDays} days`;
  const signIn = new SignIn(config);
  const returnTo = await signIn.complete(new URL(location.href));
  if (returnTo !== undefined) history.replaceState(null, '', returnTo);
  const user = await signIn.user();
  if (user === undefined) {
    show(account);
    show(
      main,
      h('p', {}, 'Sign in to score a Chicago crimes export with the arrest model.'),
      button('Sign in', () => void signIn.start(location.pathname)),
    );
    return;
  }
  show(
    account,
    h('span', {}, user.email),
    ' ',
    button('Sign out', () => signIn.signOut(), 'link'),
  );
  const api = new SiteApi(config, async () => {
    const current = await signIn.user();
    if (current === undefined)
      throw new SiteError({ title: 'You are signed out', advice: 'Sign in again.' }, '', 401);
    return current.idToken;
  });
  const route = () => {
    clearTimeout(polling);
    const match = RESULT_PATH.exec(location.pathname);
    if (match?.[1]) void resultPage(api, match[1]);
    else void homePage(api, config);
  };
  // Links inside the page move without reloading it.
  document.addEventListener('click', (event) => {
    const link = (event.target as Element).closest('a');
    if (!link || link.origin !== location.origin || link.hasAttribute('download')) return;
    event.preventDefault();
    history.pushState(null, '', link.pathname);
    route();
  });
  window.addEventListener('popstate', route);
  route();
}

async function homePage(api: SiteApi, config: UploadSiteConfig): Promise<void> {
  const input = h('input', {
    type: 'file',
    id: 'file',
    accept: '.csv,.gz,text/csv,application/gzip',
  }) as HTMLInputElement;
  const status = h('div', { id: 'upload-status' });
  const drop = h(
    'label',
    { class: 'drop', for: 'file' },
    h('strong', {}, 'Drop a crimes export here, or choose a file'),
    h('span', { class: 'muted' }, `.csv or .csv.gz, up to ${megabytes(config.maxUploadBytes)}`),
    input,
  );
  const recent = h('div', { id: 'recent' }, h('p', { class: 'muted' }, 'Loading your uploads…'));
  show(main, h('h2', {}, 'Score an export'), drop, status, h('h2', {}, 'Your recent uploads'), recent);

  const upload = (file: File | undefined) => {
    if (file) void uploadFile(api, config, file, status);
  };
  input.addEventListener('change', () => upload(input.files?.[0]));
  drop.addEventListener('dragover', (event) => {
    event.preventDefault();
    drop.classList.add('over');
  });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (event) => {
    event.preventDefault();
    drop.classList.remove('over');
    upload(event.dataTransfer?.files[0]);
  });

  try {
    show(recent, recentList(await api.recentUploads()));
  } catch (error) {
    show(recent, failure(error));
  }
}

async function uploadFile(
  api: SiteApi,
  config: UploadSiteConfig,
  file: File,
  status: HTMLElement,
): Promise<void> {
  const progress = h('progress', {
    max: 100,
    value: 0,
    'aria-label': `Uploading ${file.name}`,
  }) as HTMLProgressElement;
  const words = h('span', {}, `Checking ${file.name}…`);
  show(status, words, progress);
  try {
    const checked = await checkFile(file, config.maxUploadBytes);
    const ticket = await api.createUpload({
      fileName: file.name,
      contentType: checked.contentType,
      bytes: file.size,
    });
    words.textContent = `Uploading ${file.name}…`;
    await putFile(ticket.uploadUrl, ticket.headers, file, (sent, total) => {
      progress.value = Math.round((sent / total) * 100);
    });
    history.pushState(null, '', `/results/${ticket.uploadId}`);
    await resultPage(api, ticket.uploadId);
  } catch (error) {
    show(status, failure(error));
  }
}

async function resultPage(api: SiteApi, uploadId: string): Promise<void> {
  let upload: UploadView;
  try {
    upload = await api.result(uploadId);
  } catch (error) {
    show(main, failure(error), h('p', {}, h('a', { href: '/' }, 'Back to your uploads')));
    return;
  }
  // The person may have moved on while the request was out.
  if (location.pathname !== `/results/${uploadId}`) return;
  show(main, resultView(upload), h('p', {}, h('a', { href: '/' }, 'Upload another file')));
  if (!isFinal(upload)) polling = setTimeout(() => void resultPage(api, uploadId), POLL_MS);
}

function failure(error: unknown): HTMLElement {
  if (error instanceof SiteError) return errorBox(error.plain, error.detail);
  if (error instanceof FileRefused) return errorBox(error.plain);
  return errorBox(
    {
      title: 'Something went wrong',
      advice: 'Try again; if it keeps happening, send this message to the predictor team.',
    },
    (error as Error).message,
  );
}

function button(label: string, onClick: () => void, kind = 'button'): HTMLElement {
  const element = h('button', { type: 'button', class: kind }, label);
  element.addEventListener('click', onClick);
  return element;
}

start().catch((error: unknown) => show(main, failure(error)));
