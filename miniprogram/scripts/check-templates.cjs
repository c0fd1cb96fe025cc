// Offline template checks (see /work/shared/docs/miniprogram.md §2): WeChat's own wcc/wcsc
// compilers, then a tag check, because unknown or mistyped tags render silently as empty
// elements and neither compiler nor eslint notices them.
const fs = require('node:fs')
const path = require('node:path')
const { wxmlToJs } = require('miniprogram-compiler')
const wcsc = require('miniprogram-compiler/src/wcsc')
const { parse } = require('@wxml/parser')

const root = path.resolve(__dirname, '../src')
const BUILTIN = new Set([
  'cover-image', 'cover-view', 'grid-view', 'list-view', 'match-media', 'movable-area', 'movable-view', 'page-container',
  'root-portal', 'scroll-view', 'share-element', 'sticky-header', 'sticky-section', 'swiper', 'swiper-item', 'view',
  'icon', 'progress', 'rich-text', 'text', 'button', 'checkbox', 'checkbox-group', 'editor', 'form', 'input',
  'keyboard-accessory', 'label', 'picker', 'picker-view', 'picker-view-column', 'radio', 'radio-group', 'slider',
  'switch', 'textarea', 'functional-page-navigator', 'navigator', 'audio', 'camera', 'channel-live', 'channel-video',
  'image', 'live-player', 'live-pusher', 'video', 'voip-room', 'map', 'canvas', 'web-view', 'ad', 'ad-custom',
  'official-account', 'open-data', 'navigation-bar', 'page-meta',
  'block', 'template', 'import', 'include', 'wxs', 'slot',
])

function walk(dir, ext, out = []) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, ext, out)
    else if (p.endsWith(ext)) out.push(p)
  }
  return out
}

const problems = []

try {
  wxmlToJs(root, { maxBuffer: 64 * 1024 * 1024 })
} catch (err) {
  problems.push(`wcc: ${err.message}`)
}

const wxss = walk(root, '.wxss').map((f) => path.relative(root, f).slice(0, -5))
const css = wcsc(root, wxss, { maxBuffer: 64 * 1024 * 1024 })
if (css instanceof Error) problems.push(`wcsc: ${css.message}`) // wcsc returns its error instead of throwing

const appJson = JSON.parse(fs.readFileSync(path.join(root, 'app.json'), 'utf8'))
const globalComponents = Object.keys(appJson.usingComponents || {})

function tagsOf(node, out) {
  if (node.type === 'WXElement') out.push(node.name)
  for (const c of node.children || node.body || []) tagsOf(c, out)
  return out
}

for (const file of walk(root, '.wxml')) {
  const jsonFile = file.replace(/\.wxml$/, '.json')
  const local = fs.existsSync(jsonFile) ? Object.keys(JSON.parse(fs.readFileSync(jsonFile, 'utf8')).usingComponents || {}) : []
  const allowed = new Set([...BUILTIN, ...globalComponents, ...local])
  let ast
  try {
    ast = parse(fs.readFileSync(file, 'utf8'))
  } catch (err) {
    problems.push(`${path.relative(root, file)}: ${err.message}`)
    continue
  }
  for (const tag of new Set(tagsOf(ast, []))) {
    if (!allowed.has(tag)) problems.push(`${path.relative(root, file)}: unknown tag <${tag}> (not built in, not in usingComponents)`)
  }
}

// Every page in app.json must exist with its four files.
for (const page of appJson.pages) {
  for (const ext of ['.ts', '.wxml', '.wxss', '.json']) {
    if (!fs.existsSync(path.join(root, page + ext))) problems.push(`app.json page ${page}: missing ${page}${ext}`)
  }
}

if (problems.length) {
  console.error(problems.join('\n'))
  process.exit(1)
}
console.log(`templates ok: ${walk(root, '.wxml').length} wxml, ${wxss.length} wxss`)
