// tsc emits only .js; pages also need their .wxml/.wxss/.json next to it in .build/.
const fs = require('node:fs')
const path = require('node:path')
fs.cpSync(path.resolve(__dirname, '../src'), path.resolve(__dirname, '../.build'), {
  recursive: true,
  filter: (p) => fs.statSync(p).isDirectory() || !/\.ts$/.test(p),
})
