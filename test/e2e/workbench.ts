/**
 * Driving the workbench the way a person does, with one discipline for every scenario: wait for the
 * element a step needs (visible, focused, listed) before acting on it, never a fixed sleep where a
 * condition exists, and repeat an action once where the workbench is known to drop one (a key
 * pressed while the quick input is still opening, a click on a menu that is still opening).
 */

const QUICK_INPUT = '.quick-input-widget';
const QUICK_INPUT_BOX = `${QUICK_INPUT} input`;
const QUICK_ROWS = `${QUICK_INPUT} .quick-input-list .monaco-list-row`;

export function accountsButton(page: any): any {
  return page.locator('.activitybar .codicon-accounts-view-bar-icon').first();
}

/**
 * The quick input's text box, once it is visible and has the keyboard focus. The workbench gives
 * it the focus as it opens; one opened from a webview (a walkthrough button) may leave the focus
 * in the webview, and a person would click into the box then: so does this.
 */
export async function quickInputBox(page: any, timeout = 10_000): Promise<any> {
  const input = page.locator(QUICK_INPUT_BOX).first();
  await input.waitFor({ state: 'visible', timeout });
  const focused = () => page.waitForFunction((sel: string) => !!document.activeElement?.closest(sel), QUICK_INPUT, { timeout: 3000 }).then(() => true, () => false);
  if (!(await focused())) {
    await input.focus();
    if (!(await focused())) {
      throw new Error('the quick input is shown but never takes the keyboard focus');
    }
  }
  return input;
}

/** The quick pick row whose label is exactly `label`. */
export function quickPickRow(page: any, label: string): any {
  return page.locator(QUICK_ROWS).filter({ has: page.locator('.label-name').getByText(label, { exact: true }) }).first();
}

/**
 * Runs a command from the Command Palette: F1, wait for the box to be visible and focused, type,
 * wait for the command's own row (its exact title), click it. A palette that missed the key or
 * listed nothing is closed and tried once more.
 */
export async function runCommand(page: any, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await page.keyboard.press('F1');
      const input = await quickInputBox(page);
      await input.fill(`>${title}`);
      const row = quickPickRow(page, title);
      await row.waitFor({ state: 'visible', timeout: 10_000 });
      await row.click({ timeout: 5000 });
      return;
    } catch (e) {
      if (attempt >= 2) {
        throw new Error(`the Command Palette did not run "${title}": ${(e as Error).message.split('\n')[0]}`);
      }
      await page.keyboard.press('Escape');
      await page.locator(QUICK_INPUT_BOX).first().waitFor({ state: 'hidden', timeout: 5000 }).catch(() => undefined);
    }
  }
}

/** Closes the quick input if it is open (Escape, repeated once if the first key was dropped). */
export async function closeQuickInput(page: any): Promise<void> {
  const widget = page.locator(QUICK_INPUT).first();
  for (let attempt = 0; attempt < 2 && (await widget.isVisible().catch(() => false)); attempt++) {
    await page.keyboard.press('Escape');
    await widget.waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }
}

/** Picks the row labelled `label` in the quick pick that is open now (or opens within the timeout). */
export async function pickQuickItem(page: any, label: string, timeout = 10_000): Promise<void> {
  const row = quickPickRow(page, label);
  await row.waitFor({ state: 'visible', timeout });
  await row.click({ timeout: 5000 });
}

/**
 * Opens the Accounts menu until it shows an item matching `name`: the menu is built when it opens,
 * and extensions register their sign-in requests a moment after the workbench appears, so an item
 * can be missing from a menu opened early. Each try waits for the menu itself, then for the item.
 * The budget is long: on a loaded 2-core machine VS Code 1.139 has started its extension host 24 s
 * after the workbench showed (seen in CI), and the item only comes once extensions activated.
 */
export async function openMenuWith(page: any, name: RegExp, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const button = accountsButton(page);
  for (;;) {
    await button.waitFor({ state: 'visible', timeout: Math.max(1000, deadline - Date.now()) });
    // force: the "Sign in requested" hover can sit over the button and block the click checks.
    // A workbench busy activating extensions can miss a click's deadline: that is one more try.
    const clicked = await button.click({ force: true, timeout: 5000 }).then(() => true, () => false);
    const menu = page.locator('.monaco-menu').first();
    const opened = clicked && (await menu.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false));
    if (opened && (await page.getByRole('menuitem', { name }).first().waitFor({ timeout: 2000 }).then(() => true, () => false))) {
      return;
    }
    await closeMenus(page);
    if (Date.now() > deadline) {
      throw new Error(`the Accounts menu never listed ${name}`);
    }
  }
}

/** Closes any open context menu and waits until it is gone. */
export async function closeMenus(page: any): Promise<void> {
  if (await page.locator('.monaco-menu').first().isVisible().catch(() => false)) {
    await page.keyboard.press('Escape');
    await page.locator('.monaco-menu').first().waitFor({ state: 'hidden', timeout: 3000 }).catch(() => undefined);
  }
}

/**
 * Chooses an item of the open Accounts menu. A menu ignores a click that lands while it is still
 * opening, so the click is repeated until the menu has closed on it.
 */
export async function chooseMenuItem(page: any, name: RegExp): Promise<void> {
  const item = page.getByRole('menuitem', { name }).first();
  await item.waitFor({ state: 'visible', timeout: 10_000 });
  for (let attempt = 1; ; attempt++) {
    await item.click({ timeout: 5000 }).catch(() => undefined);
    if (await item.waitFor({ state: 'hidden', timeout: 2000 }).then(() => true, () => false)) {
      return;
    }
    if (attempt >= 5) {
      throw new Error(`the menu item ${name} did not take the click`);
    }
  }
}

/**
 * The notification whose text matches, as a toast or, where the workbench did not toast it (VS Code
 * 1.139 keeps notifications that arrive while another tab has the focus in the notification
 * centre), in the notification centre, which shows the same text and buttons.
 */
export async function findNotification(page: any, text: string | RegExp, timeoutMs = 20_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  const toast = page.locator('.notification-toast').filter({ hasText: text }).first();
  const inCentre = page.locator('.notifications-center .monaco-list-row').filter({ hasText: text }).first();
  const either = toast.or(inCentre).first();
  let centreOpened = false;
  for (;;) {
    // A toast shows within moments when it is toasted at all; after that, look in the centre.
    const found = await either.waitFor({ state: 'visible', timeout: centreOpened ? 2000 : 3000 }).then(() => true, () => false);
    if (found) {
      return (await toast.isVisible().catch(() => false)) ? toast : inCentre;
    }
    if (Date.now() > deadline) {
      throw new Error(`no notification "${text}"`);
    }
    if (!centreOpened || !(await page.locator('.notifications-center').first().isVisible().catch(() => false))) {
      // The centre stays open once opened, and lists notifications that were never toasted.
      await runCommand(page, 'Notifications: Show Notifications').catch(() => undefined);
      centreOpened = true;
    }
  }
}

/** Clicks a button of a notification found by {@link findNotification}, once it is enabled. */
export async function clickNotificationButton(notification: any, label: string): Promise<void> {
  const button = notification.getByRole('button', { name: label }).first();
  await button.waitFor({ state: 'visible', timeout: 10_000 });
  await button.click({ timeout: 5000 });
}

/**
 * Answers VS Code's "The extension wants to sign in using Spotify" dialog with Allow, if it asks
 * before `tab` (the sign-in's browser tab) opens: VS Code 1.100 takes the Accounts menu choice as
 * consent, later versions ask. True when it asked.
 */
export async function allowIfAsked(page: any, tab: Promise<unknown>, beforeAllow?: () => Promise<unknown>): Promise<boolean> {
  const allow = page.getByRole('button', { name: 'Allow' }).first();
  const first = await Promise.race([
    tab.then(() => 'tab', () => 'tab'),
    allow.waitFor({ state: 'visible', timeout: 30_000 }).then(() => 'dialog', () => 'none'),
  ]);
  if (first !== 'dialog') {
    return false;
  }
  await beforeAllow?.();
  await allow.click({ timeout: 5000 });
  return true;
}

/** Debug aid: the workbench's log files live in the browser's IndexedDB when extensions run there. */
export async function dumpBrowserLogs(page: any): Promise<string> {
  return page.evaluate(async () => {
    const out: string[] = [];
    const dbs = await indexedDB.databases();
    for (const info of dbs) {
      if (!info.name || !/vscode-web-db/.test(info.name)) {
        continue;
      }
      const db: IDBDatabase = await new Promise((resolve, reject) => {
        const r = indexedDB.open(info.name!);
        r.onsuccess = () => resolve(r.result);
        r.onerror = () => reject(r.error);
      });
      for (const store of Array.from(db.objectStoreNames)) {
        const entries: Array<[IDBValidKey, unknown]> = await new Promise((resolve) => {
          const tx = db.transaction(store, 'readonly');
          const req = tx.objectStore(store).openCursor();
          const acc: Array<[IDBValidKey, unknown]> = [];
          req.onsuccess = () => {
            const c = req.result;
            if (c) {
              acc.push([c.key, c.value]);
              c.continue();
            } else {
              resolve(acc);
            }
          };
        });
        for (const [key, value] of entries) {
          const text = value instanceof Uint8Array ? new TextDecoder().decode(value) : typeof value === 'string' ? value : '';
          if (/spotify|exthost|window/i.test(String(key))) {
            out.push(`--- ${info.name}/${store}/${String(key)}\n${text.slice(-3000)}`);
          }
        }
      }
    }
    return out.join('\n');
  });
}
