// Progressive enhancement for the pages. Without this file every page still
// works: files are chosen with the plain file input and sent by the form.
// With it, GOV.UK Frontend's components start (the drag-and-drop file
// upload, the error summary taking focus, the navigation toggle) and a
// progress bar shows while files are sent. It is a file of its own, not an
// inline script, because the Content-Security-Policy allows no inline script.

document.body.classList.add('js-enabled')
if ('noModule' in HTMLScriptElement.prototype) {
  document.body.classList.add('govuk-frontend-supported')
}

let govuk = null
try {
  govuk = await import('/assets/govuk-frontend.min.js')
} catch {
  // GOV.UK Frontend is not served (npm has not run): the pages stay plain.
}

function start (scope) {
  if (govuk) govuk.initAll({ scope })
  labelInName(scope)
  enhanceUpload(scope)
}

// labelInName keeps the visible text of GOV.UK Frontend's drop-zone button
// inside its accessible name (WCAG 2.5.3): the button names itself by its
// label, a hidden comma and its own content, and the comma, which sits
// inside the button, would otherwise come between "No file chosen" and
// "Choose file" in the name but not on screen. The comma is still read,
// once, through the label's reference to it.
function labelInName (scope) {
  for (const comma of scope.querySelectorAll('.govuk-file-upload-button [id$="-comma"]')) {
    comma.setAttribute('aria-hidden', 'true')
  }
}

// enhanceUpload sends the upload form with XMLHttpRequest, for its progress
// events. The server answers as it does the plain form: a redirect to the
// result, which the page then opens, or the form again with its errors,
// which replaces the page's main content.
function enhanceUpload (scope) {
  const form = scope.querySelector('form[data-upload]')
  if (!form) return
  const box = form.querySelector('.upload-progress')
  const bar = box.querySelector('progress')
  const status = box.querySelector('[role=status]')
  const button = form.querySelector('button[type=submit]')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    box.hidden = false
    bar.value = 0
    status.textContent = 'Sending your files: 0%'
    button.disabled = true
    const xhr = new XMLHttpRequest()
    xhr.open('POST', form.action)
    xhr.upload.addEventListener('progress', (e) => {
      if (!e.lengthComputable) return
      const pct = Math.round((e.loaded * 100) / e.total)
      bar.value = pct
      status.textContent = `Sending your files: ${pct}%`
    })
    xhr.upload.addEventListener('load', () => {
      bar.value = 100
      status.textContent = 'Files sent. Checking every row: this can take a minute for a large file.'
    })
    xhr.addEventListener('load', () => {
      const url = new URL(xhr.responseURL, window.location.href)
      if (xhr.status < 300 && url.pathname !== '/upload') {
        window.location.assign(url.href)
        return
      }
      showPage(xhr.responseText)
    })
    xhr.addEventListener('error', () => {
      status.textContent = 'Your files could not be sent. Check your connection and try again.'
      button.disabled = false
    })
    xhr.send(new FormData(form))
  })
}

// showPage replaces the main content and title with those of an HTML page.
function showPage (html) {
  const page = new DOMParser().parseFromString(html, 'text/html')
  const next = page.querySelector('main')
  const main = document.querySelector('main')
  if (!next || !main) return
  document.title = page.title
  main.replaceChildren(...next.childNodes)
  start(main)
  const summary = main.querySelector('.govuk-error-summary')
  if (summary && !govuk) {
    summary.setAttribute('tabindex', '-1')
    summary.focus()
  }
}

start(document.body)
// Tells the browser tests that the page is enhanced.
document.body.dataset.ready = 'true'
