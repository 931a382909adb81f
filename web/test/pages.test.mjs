// Browser tests of the web pages: `outcomes serve` on a new lake, driven in
// Debian's Chromium by playwright-core, each page checked by axe-core for
// WCAG 2.2 AA, at 320 px wide, and with the keyboard alone. A screenshot of
// each page is saved under build/screenshots/.
//
// Run by `make test` (make web-test), which builds build/outcomes, installs
// Chromium and the npm packages when missing, and runs `npm test` here.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, execFileSync } from 'node:child_process'
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createHmac } from 'node:crypto'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const outcomes = process.env.OUTCOMES_BIN || join(root, 'build', 'outcomes')
const shots = join(root, 'build', 'screenshots')
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

// The flags Chromium needs on these machines (no network, running as root).
const chromiumArgs = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

// The file input: GOV.UK Frontend's enhanced upload gives its id to the
// drop-zone button it puts in front of it.
const fileInput = 'input[type=file][name=files]'
const ORG = 'LEEDS-CC'
const QUARTER = '2026-Q3' // the fixtures' dates fall in it; its due date has passed

// A carers table with three problems in three columns (rows 3, 4 and 5), and
// the same file corrected.
const header = 'client_ref,registration_date,date_of_birth,gender,postcode,employment_status,consent_followup'
const badCSV = [header,
  'W201,2026-07-02,1980-05-17,F,LS6 3AB,UNEMPLOYED,Y',
  'W202,2026-02-30,,M,BD7 1DP,EMPLOYED_PT,Y',
  'W203,2026-08-14,1975-01-09,Q,M14 5RB,INACTIVE_CARING,N',
  'W204,2026-07-31,1990-01-01,F,NOT A POSTCODE,UNEMPLOYED,Y', ''].join('\r\n')
const goodCSV = badCSV.replace('2026-02-30', '2026-03-01').replace(',Q,', ',F,').replace('NOT A POSTCODE', 'LS6 3AB')

let dir, server, base, browser
const WEBHOOK_SECRET = 'a-test-webhook-secret'

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'outcomes-web-'))
  mkdirSync(shots, { recursive: true })
  execFileSync(outcomes, ['keygen', '--out', join(dir, 'key')])
  writeFileSync(join(dir, 'carers-q3.csv'), badCSV)
  // The good workbook's support sheet names carer C001, registered in an
  // earlier quarter's return (as testdata/registry/carers.csv has it).
  const registry = readFileSync(join(root, 'testdata', 'registry', 'carers.csv'), 'utf8').split(/\r?\n/)
  writeFileSync(join(dir, 'earlier.csv'), [registry[0], registry.find((l) => l.startsWith('C001,')), ''].join('\n'))
  execFileSync(outcomes, ['ingest', '--lake', join(dir, 'lake'), '--key-file', join(dir, 'key'), '--org', ORG, '--period', '2026-Q1', join(dir, 'earlier.csv')])
  mkdirSync(join(dir, 'fixed'))
  writeFileSync(join(dir, 'fixed', 'carers-q3.csv'), goodCSV)
  // The example consortium with a survey form of each tool, and a secret
  // for its generic form: the same server takes the survey webhooks.
  writeFileSync(join(dir, 'webhook-secrets.json'), JSON.stringify({ [`${ORG}/paper-generic`]: WEBHOOK_SECRET }))
  server = spawn(outcomes, ['serve', '--lake', join(dir, 'lake'), '--key-file', join(dir, 'key'),
    '--consortium', join(root, 'testdata', 'consortium', 'surveys.json'), '--secrets', join(dir, 'webhook-secrets.json'), '--addr', '127.0.0.1:0',
    '--assets', join(here, '..', 'node_modules', 'govuk-frontend', 'dist', 'govuk')], { stdio: ['ignore', 'pipe', 'pipe'] })
  server.logs = ''
  server.stderr.on('data', (b) => { server.logs += b })
  base = await new Promise((resolve, reject) => {
    let out = ''
    server.stdout.on('data', (b) => {
      out += b
      const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+)\//)
      if (m) resolve(m[1])
    })
    server.on('exit', (code) => reject(new Error(`outcomes serve exited ${code}: ${server.logs}`)))
  })
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: chromiumArgs })
})

after(async () => {
  await browser?.close()
  // SIGTERM: the server writes the queued survey responses and exits;
  // the lake is removed after that.
  if (server && server.exitCode === null) await new Promise((resolve) => { server.once('exit', resolve); server.kill() })
  if (dir) rmSync(dir, { recursive: true, force: true })
  // No file name and no carer data reach the log.
  for (const secret of ['carers-q3', 'carers_and_support', 'W202', 'NOT A POSTCODE']) {
    assert.ok(!server.logs.includes(secret), `the server log holds ${secret}`)
  }
})

// newPage opens a page whose console errors (a script error, or anything
// the Content-Security-Policy refused) fail the test.
async function newPage (t) {
  const context = await browser.newContext({ viewport: { width: 1024, height: 900 } })
  const page = await context.newPage()
  page.errors = []
  // A page answered with an error status is expected (a form's errors are
  // a 400, whether the form is posted or sent by app.js); a script, style,
  // font or image that fails to load is not.
  const formPost = (req) => req.resourceType() === 'document' || (req.resourceType() === 'xhr' && req.method() === 'POST')
  page.on('console', (m) => { if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) page.errors.push(m.text()) })
  page.on('pageerror', (e) => page.errors.push(e.message))
  page.on('response', (r) => { if (r.status() >= 400 && !formPost(r.request())) page.errors.push(`${r.status()} ${r.url()}`) })
  // A request the browser cancels because the page moved on is not a
  // failure: a page left before it finished loading, and app.js's upload,
  // whose answer (the result page, reached through the redirect) the
  // browser may still be reading when app.js opens that page. Chromium
  // reports the latter as aborted at random, after the script has its load
  // event. Anything else that fails to load is a failure.
  const cancelled = (r) => r.failure()?.errorText === 'net::ERR_ABORTED' && ['document', 'xhr'].includes(r.resourceType())
  page.on('requestfailed', (r) => {
    if (!cancelled(r)) page.errors.push(`failed ${r.url()}: ${r.failure()?.errorText}`)
  })
  t.after(() => context.close())
  return page
}

// enhanced waits for app.js to have started on the page, as a person
// would, so that a form is sent the way the page means it to be.
async function enhanced (page) {
  await page.locator('body[data-ready]').waitFor({ state: 'attached' })
}

async function signIn (page, account) {
  await page.goto(base + '/')
  await page.getByLabel(account).check()
  await page.getByRole('button', { name: 'Sign in' }).click()
}

// checkPage runs the checks every page must pass, then saves its screenshots.
// The quarterly report is a self-contained document with no script and
// none of the site's layout: it is checked as a document ({ document: true }).
async function checkPage (page, name, { document = false } = {}) {
  if (!document) {
    await enhanced(page)
    assert.match(await page.locator('.dev-sign-in').innerText(), /Development sign-in/, `${name}: not marked as a development sign-in`)
  }
  assert.deepEqual(page.errors, [], `${name}: console errors`)
  await noAxeViolations(page, name)
  await page.screenshot({ path: join(shots, name + '.png'), fullPage: true })
  await reachableByKeyboard(page, name)
  // At 320 px wide nothing scrolls sideways but the tables' own regions,
  // and the page is as accessible and as usable with the keyboard.
  const size = page.viewportSize()
  await page.setViewportSize({ width: 320, height: 800 })
  await page.waitForTimeout(50) // the navigation's media-query listener
  const wide = await page.evaluate(() => document.documentElement.scrollWidth)
  assert.ok(wide <= 320, `${name}: ${wide} px wide at 320 px`)
  await noAxeViolations(page, name + ' at 320 px')
  await page.screenshot({ path: join(shots, name + '-320px.png'), fullPage: true })
  await reachableByKeyboard(page, name + ' at 320 px')
  await page.setViewportSize(size)
  await page.waitForTimeout(50)
}

// noAxeViolations runs axe-core's WCAG 2.0, 2.1 and 2.2 A and AA rules.
async function noAxeViolations (page, name) {
  await page.evaluate(axeSource) // evaluated by the driver, so the page's CSP does not apply
  await page.evaluate(() => document.activeElement?.blur()) // a focused link is styled by focus, not colour
  const res = await page.evaluate(() => window.axe.run(document, {
    runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] }
  }))
  const found = res.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join('; ')})`)
  assert.deepEqual(found, [], `${name}: axe-core violations`)
}

// reachableByKeyboard tabs through the page and checks that every link,
// button and field (one radio per group) takes focus, with a visible outline.
async function reachableByKeyboard (page, name) {
  const wanted = await page.evaluate(() => {
    for (const el of document.querySelectorAll('[data-kb]')) delete el.dataset.kb
    const seen = new Set()
    let i = 0
    for (const el of document.querySelectorAll('a[href], button, input, select, textarea, [tabindex="0"]')) {
      const box = el.getBoundingClientRect()
      const style = getComputedStyle(el)
      if (el.disabled || el.type === 'hidden' || el.hidden || style.visibility === 'hidden' || box.width < 2 || box.height < 2) continue
      if (el.type === 'radio') { if (seen.has(el.name)) continue; seen.add(el.name) }
      el.dataset.kb = String(i++)
    }
    return i
  })
  await page.evaluate(() => document.activeElement?.blur())
  await page.mouse.click(1, 1)
  const reached = new Set()
  for (let n = 0; n < wanted + 10 && reached.size < wanted; n++) {
    await page.keyboard.press('Tab')
    const got = await page.evaluate(() => {
      const el = document.activeElement
      if (!el || el === document.body) return null
      const s = getComputedStyle(el)
      const visible = (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none' || s.backgroundColor === 'rgb(255, 221, 0)'
      return { kb: el.dataset.kb ?? null, visible, what: el.outerHTML.slice(0, 80) }
    })
    if (!got || got.kb === null) continue
    assert.ok(got.visible, `${name}: no visible focus on ${got.what}`)
    reached.add(got.kb)
  }
  if (reached.size < wanted) {
    const missed = await page.evaluate((got) => [...document.querySelectorAll('[data-kb]')]
      .filter((el) => !got.includes(el.dataset.kb)).map((el) => el.outerHTML.slice(0, 100)), [...reached])
    assert.fail(`${name}: ${missed.length} of ${wanted} controls not reached with Tab: ${missed.join(', ')}`)
  }
}

test('an organisation signs in, uploads, fixes its return and reads its report', async (t) => {
  const page = await newPage(t)
  await page.goto(base + '/')
  await checkPage(page, 'sign-in')

  // Signing in with nothing chosen shows the error summary.
  await page.getByRole('button', { name: 'Sign in' }).click()
  await assert.doesNotReject(page.getByRole('link', { name: 'Select your organisation, or the consortium lead' }).waitFor())
  await checkPage(page, 'sign-in-error')

  // Sign in with the keyboard alone.
  await page.getByLabel('Leeds Carers Centre (LEEDS-CC)').focus()
  await page.keyboard.press('Space')
  await page.getByRole('button', { name: 'Sign in' }).focus()
  await page.keyboard.press('Enter')
  await page.waitForURL(/\/tasks$/)
  assert.match(await page.getByTestId('who').innerText(), /Leeds Carers Centre/)

  // This quarter's task list: nothing sent yet.
  const now = new Date()
  const thisQuarter = `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`
  await page.getByRole('heading', { name: `Your return for ${thisQuarter}` }).waitFor()
  assert.equal(await page.locator('#task-carers-status').innerText(), 'Not sent')
  await checkPage(page, 'tasks')

  // Upload a good workbook: this quarter is the default, the fixtures' quarter is chosen.
  await page.getByRole('link', { name: 'Upload', exact: true }).click()
  assert.equal(await page.locator('#period').inputValue(), thisQuarter)
  await checkPage(page, 'upload')
  // Sending no file shows the form's error summary in place, and moves focus to it.
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.getByRole('link', { name: 'Select a CSV file or an Excel workbook to upload' }).waitFor()
  assert.match(await page.title(), /^Error: /)
  await page.waitForFunction(() => document.activeElement?.closest('.govuk-error-summary'))
  await checkPage(page, 'upload-error')
  await page.locator('#period').selectOption(QUARTER)
  await enhanced(page)
  await page.locator(fileInput).setInputFiles(join(root, 'testdata', 'good', 'carers_and_support.xlsx'))
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.waitForURL(/\/result\?u=[0-9a-f]{64}$/)
  await page.getByRole('heading', { name: 'Your return was accepted' }).waitFor()
  assert.equal(await page.locator('.govuk-error-summary').count(), 0)
  await checkPage(page, 'result-accepted')

  // Upload a bad CSV, with the progress bar shown while it is sent.
  await page.goto(base + '/upload?period=' + QUARTER)
  await enhanced(page)
  await page.locator(fileInput).setInputFiles(join(dir, 'carers-q3.csv'))
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.locator('.upload-progress').waitFor({ state: 'visible' }).catch(() => {}) // may be too quick to see
  await page.waitForURL(/\/result\?u=/)
  const firstBad = new URL(page.url()).searchParams.get('u')
  await page.getByRole('heading', { name: 'Part of your upload was not accepted' }).waitFor()
  const summary = page.locator('.govuk-error-summary')
  assert.match(await summary.innerText(), /There is a problem/)
  const links = summary.locator('.govuk-error-summary__list a')
  assert.equal(await links.count(), 3)
  assert.match(await links.nth(0).innerText(), /row 3, column “registration_date”/)
  assert.match(await links.nth(1).innerText(), /row 4, column “gender”/)
  assert.match(await links.nth(2).innerText(), /row 5, column “postcode”/)
  // Grouped by column, each with its rows and how to fix it.
  const groups = page.locator('.column-group h4')
  assert.deepEqual(await groups.allInnerTexts(), ['Column “registration_date” (Date registered): 1 problem', 'Column “gender”: 1 problem', 'Column “postcode”: 1 problem'])
  await checkPage(page, 'result-errors')

  // Follow a link from the summary, with the keyboard, to its row.
  await links.nth(1).focus()
  await page.keyboard.press('Enter')
  const target = await page.evaluate(() => location.hash)
  const row = page.locator(target)
  assert.equal(await row.locator('th').innerText(), '4')
  assert.match(await row.innerText(), /Q/)
  assert.ok(await row.evaluate((el) => el.matches(':target')))
  await assert.doesNotReject(row.evaluate((el) => {
    const r = el.getBoundingClientRect()
    if (r.top < 0 || r.bottom > window.innerHeight) throw new Error('the row is not in view')
  }))

  // Upload the corrected file: it replaces the first in the history.
  await page.getByRole('link', { name: 'Upload a corrected file' }).click()
  await enhanced(page)
  await page.locator(fileInput).setInputFiles(join(dir, 'fixed', 'carers-q3.csv'))
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.getByRole('heading', { name: 'Your return was accepted' }).waitFor()
  const fixed = new URL(page.url()).searchParams.get('u')
  await page.getByRole('link', { name: 'see the upload history' }).click()
  await page.getByRole('heading', { name: `Upload history for ${QUARTER}` }).waitFor()
  const rows = page.locator('table.history tbody tr')
  assert.equal(await rows.count(), 3)
  assert.equal(await rows.nth(0).getAttribute('data-upload'), fixed.slice(0, 12))
  assert.match(await rows.nth(0).innerText(), /carers-q3\.csv[\s\S]*Accepted[\s\S]*In use/)
  assert.equal(await rows.nth(1).getAttribute('data-upload'), firstBad.slice(0, 12))
  assert.match(await rows.nth(1).innerText(), /carers-q3\.csv[\s\S]*Partly accepted: 1 of 4 rows[\s\S]*Replaced/)
  assert.match(await rows.nth(2).innerText(), /carers_and_support\.xlsx[\s\S]*In use for Support/)
  await checkPage(page, 'history')

  // The same file again changes nothing, and the result says so.
  await page.goto(base + '/upload?period=' + QUARTER)
  await enhanced(page)
  await page.locator(fileInput).setInputFiles(join(dir, 'fixed', 'carers-q3.csv'))
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.locator('.again').waitFor()
  assert.match(await page.locator('.again').innerText(), /You sent this same file before/)
  await page.goto(base + '/history?period=' + QUARTER)
  assert.equal(await rows.count(), 3)

  // The quarter's task list now shows what was accepted.
  await page.goto(base + '/tasks?period=' + QUARTER)
  assert.equal(await page.locator('#task-carers-status').innerText(), 'Accepted')
  assert.equal(await page.locator('#task-support-status').innerText(), 'Accepted')
  assert.equal(await page.locator('#task-finance-status').innerText(), 'Overdue')
  // Its follow-up surveys due are those `outcomes due` lists for today (the
  // dates are the fixtures', today is the clock's: W204's 13-week survey is
  // overdue until 25 December 2026), and the download is that list.
  const dueCSV = execFileSync(outcomes, ['due', '--lake', join(dir, 'lake'), '--org', ORG]).toString()
  const dueRows = dueCSV.trim().split(/\r?\n/).slice(1).map((l) => l.split(','))
  await page.locator('#surveys-due').waitFor()
  if (dueRows.length === 0) {
    assert.match(await page.locator('#surveys-due-summary').innerText(), /No carer is due a follow-up survey/)
  } else {
    const cells = await page.locator('table.surveys-due tbody tr').evaluateAll((trs) => trs.map((tr) => [...tr.cells].map((c) => c.innerText.trim())))
    assert.deepEqual(cells.map((c) => [c[0], c[3].match(/row (\d+)$/)[1], c[4].toLowerCase()]), dueRows.map((r) => [r[0], r[6], r[2]]))
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /follow-up surveys due/ }).click()])
    assert.equal(readFileSync(await download.path(), 'utf8'), dueCSV)
  }
  await checkPage(page, 'tasks-' + QUARTER)

  // Download the templates.
  await page.getByRole('link', { name: 'Templates' }).click()
  await checkPage(page, 'templates')
  const [xlsx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /Excel template/ }).click()])
  assert.equal(xlsx.suggestedFilename(), 'return-template.xlsx')
  assert.equal(readFileSync(await xlsx.path()).subarray(0, 2).toString(), 'PK')
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /carers\.csv/ }).click()])
  assert.equal(csv.suggestedFilename(), 'carers.csv')
  assert.match(readFileSync(await csv.path(), 'utf8'), /^\uFEFFClient reference,/)

  // Open the organisation's own report.
  await page.getByRole('link', { name: 'Your report' }).click()
  await checkPage(page, 'report')
  await page.getByRole('link', { name: `Open your report for ${QUARTER}` }).click()
  await page.locator('h1').waitFor()
  assert.match(await page.locator('h1').innerText(), /LEEDS-CC|Leeds/)
  await checkPage(page, 'report-document', { document: true })
})

test('uploads by drag and drop with a progress bar', async (t) => {
  const page = await newPage(t)
  await signIn(page, 'Manchester Carers Forum (MCR-CARERS)')
  await page.goto(base + '/upload?period=' + QUARTER)
  // GOV.UK Frontend's enhanced file upload is a drop zone.
  const zone = page.locator('.govuk-file-upload-button')
  await zone.waitFor()
  const data = readFileSync(join(dir, 'fixed', 'carers-q3.csv'), 'utf8')
  const transfer = await page.evaluateHandle((text) => {
    const dt = new DataTransfer()
    dt.items.add(new File([text], 'dropped.csv', { type: 'text/csv' }))
    return dt
  }, data)
  await zone.dispatchEvent('dragenter', { dataTransfer: transfer })
  await zone.dispatchEvent('dragover', { dataTransfer: transfer })
  await zone.dispatchEvent('drop', { dataTransfer: transfer })
  assert.equal(await page.locator(fileInput).evaluate((el) => el.files.length), 1)
  assert.match(await zone.innerText(), /dropped\.csv/)
  // Slow the upload down so that the progress bar can be seen moving.
  const cdp = await page.context().newCDPSession(page)
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 50, downloadThroughput: -1, uploadThroughput: 2048 })
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.locator('.upload-progress').waitFor({ state: 'visible' })
  await page.waitForFunction(() => document.querySelector('#upload-progress').value > 0)
  await page.screenshot({ path: join(shots, 'upload-progress.png') })
  await page.waitForURL(/\/result\?u=/, { timeout: 30000 })
  await page.getByRole('heading', { name: 'Your return was accepted' }).waitFor()
  assert.match(await page.locator('main').innerText(), /dropped\.csv/)
})

test('works without JavaScript', async (t) => {
  const context = await browser.newContext({ javaScriptEnabled: false })
  t.after(() => context.close())
  const page = await context.newPage()
  await signIn(page, 'Norfolk Carers Support (NORFOLK-CS)')
  await page.getByRole('link', { name: 'Upload', exact: true }).click()
  await page.locator('#period').selectOption(QUARTER)
  await page.locator(fileInput).setInputFiles([join(dir, 'carers-q3.csv'), join(root, 'testdata', 'good', 'finance_money_formats.csv')])
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.getByRole('heading', { name: 'Part of your upload was not accepted' }).waitFor()
  assert.equal(await page.locator('.result-file').count(), 2)
  // Submitting with no file shows the error on the form.
  await page.goto(base + '/upload')
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.getByRole('link', { name: 'Select a CSV file or an Excel workbook to upload' }).waitFor()
  assert.match(await page.title(), /^Error: /)
})

test('the lead sees every organisation, a missing return highlighted, and the consortium reports', async (t) => {
  const page = await newPage(t)
  await signIn(page, 'Consortium lead')
  await page.waitForURL(/\/lead$/)
  await page.locator('#period').selectOption(QUARTER)
  await page.getByRole('button', { name: 'Show' }).click()
  await page.getByRole('heading', { name: `Returns for ${QUARTER}` }).waitFor()
  const leeds = page.locator('tr[data-org="LEEDS-CC"]')
  const cornwall = page.locator('tr[data-org="CORNWALL-CT"]')
  assert.match(await leeds.innerText(), /Accepted/)
  assert.match(await cornwall.innerText(), /Missing/)
  assert.equal(await cornwall.getAttribute('class'), 'govuk-table__row missing')
  assert.match(await cornwall.locator('td').first().innerText(), /Overdue/)
  await checkPage(page, 'lead')
  await page.getByRole('link', { name: 'Consortium reports' }).click()
  await checkPage(page, 'lead-reports')
  await page.getByRole('link', { name: new RegExp(`Report for ${QUARTER}`) }).click()
  await page.locator('h1').waitFor()
  await checkPage(page, 'lead-report-document', { document: true })
  // The lead has no organisation's pages.
  await page.goto(base + '/tasks')
  assert.match(page.url(), /\/lead$/)
})

test('an organisation sees and uploads nothing of another, whatever the URL or form says', async (t) => {
  const leeds = await newPage(t)
  await signIn(leeds, 'Leeds Carers Centre (LEEDS-CC)')
  await leeds.goto(base + '/history?period=' + QUARTER)
  const theirs = await leeds.locator('table.history tbody tr a').first().getAttribute('href')
  const before = await leeds.locator('table.history tbody tr').count()

  const page = await newPage(t)
  await signIn(page, 'Bristol Carers Work (BRISTOL-CW)')
  // Another organisation's upload, by its address: not found.
  const res = await page.goto(base + theirs)
  assert.equal(res.status(), 404)
  await page.getByRole('heading', { name: 'Page not found' }).waitFor()
  // Their history is not ours.
  await page.goto(base + '/history?period=' + QUARTER)
  assert.match(await page.locator('main').innerText(), /You have not sent anything/)
  // An org field slipped into the form changes nothing: the upload is ours.
  await page.goto(base + '/upload?period=' + QUARTER)
  await page.evaluate((org) => {
    const form = document.querySelector('form[data-upload]')
    for (const name of ['org', 'organisation']) {
      const input = Object.assign(document.createElement('input'), { type: 'hidden', name, value: org })
      form.append(input)
    }
  }, ORG)
  await enhanced(page)
  await page.locator(fileInput).setInputFiles(join(dir, 'fixed', 'carers-q3.csv'))
  await page.getByRole('button', { name: 'Upload and check' }).click()
  await page.getByRole('heading', { name: 'Your return was accepted' }).waitFor()
  await page.goto(base + '/history?period=' + QUARTER)
  assert.equal(await page.locator('table.history tbody tr').count(), 1)
  await leeds.reload()
  assert.equal(await leeds.locator('table.history tbody tr').count(), before)
  // The lead's pages are refused to an organisation, on the server.
  const lead = await page.goto(base + '/lead')
  assert.equal(lead.status(), 403)
  const doc = await page.goto(base + '/lead/reports/document?period=' + QUARTER)
  assert.equal(doc.status(), 403)
  // A form post from another site is refused.
  const forged = await page.request.post(base + '/upload', { headers: { Origin: 'http://evil.example' }, multipart: { period: QUARTER } })
  assert.equal(forged.status(), 403)
  // Signing in as another organisation without the form's token changes nothing.
  const noToken = await page.request.post(base + '/sign-in', { form: { account: ORG } })
  assert.equal(noToken.status(), 403)
  await page.goto(base + '/tasks')
  assert.match(await page.getByTestId('who').innerText(), /Bristol Carers Work/)
})

test('one server: a survey tool posts to the webhook with its signature, not a session or CSRF token', async () => {
  const body = readFileSync(join(root, 'testdata', 'events', 'surveys', 'generic.json'))
  const url = `${base}/surveys/${ORG}/paper-generic`
  const sign = (secret) => 'sha256=' + createHmac('sha256', secret).update(body).digest('hex')
  const post = (headers) => fetch(url, { method: 'POST', body, headers: { 'Content-Type': 'application/json', ...headers } })
  let res = await post({ 'X-Webhook-Signature': sign(WEBHOOK_SECRET) })
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { received: 1 })
  // The webhook's answers are its own: no page, no session cookie.
  assert.equal(res.headers.get('set-cookie'), null)
  res = await post({ 'X-Webhook-Signature': sign('another secret') })
  assert.equal(res.status, 401)
  res = await post({})
  assert.equal(res.status, 401)
  res = await fetch(`${base}/surveys/${ORG}/no-such-form`, { method: 'POST', body })
  assert.equal(res.status, 404)
  // A page's form post still needs the session's CSRF token.
  res = await fetch(`${base}/sign-in`, { method: 'POST', body: new URLSearchParams({ account: ORG }), redirect: 'manual' })
  assert.ok(res.status >= 400 && res.status < 500, `sign-in without a CSRF token: ${res.status}`)
  // And the pages keep their Content-Security-Policy.
  res = await fetch(`${base}/sign-in`)
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/)
})
