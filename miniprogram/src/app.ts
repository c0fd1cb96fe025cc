import { accessToken, refreshToken } from './utils/auth'

// Kept thin on purpose: pages do their own loading (testable without App/getApp). A cold start
// with no stored session goes straight to the login page.
App({
  onLaunch() {
    if (!accessToken() && !refreshToken()) wx.reLaunch({ url: '/pages/login/login' })
  },
})
