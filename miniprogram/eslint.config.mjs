import wxml from 'eslint-plugin-wxml'
import wxmlParser from '@wxml/parser'

export default [
  {
    files: ['src/**/*.wxml'],
    plugins: { wxml },
    languageOptions: { parser: wxmlParser },
    rules: {
      'wxml/report-wxml-syntax-error': 'error',
      'wxml/report-interpolation-error': 'error',
      'wxml/report-wxs-syntax-error': 'error',
      'wxml/no-inconsistent-tagname': 'error',
      'wxml/no-duplicate-attributes': 'error',
      'wxml/wx-key': 'error',
      'wxml/no-wx-for-with-wx-if': 'error',
      'wxml/no-unexpected-string-bool': 'error',
      'wxml/no-vue-directive': 'error',
    },
  },
]
