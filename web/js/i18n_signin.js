// web/js/i18n_signin.js: the words of signing in with a user name and password
// (pages/signin.js, POST /v1/session), merged into the one dictionary by i18n.js. The token
// form's own words stay in i18n.js (signin.token, signin.submit, ...).

export const zhSignin = {
  'signin.lead': '请使用用户名和密码登录。一段时间未操作后登录自动失效，关闭浏览器后也需重新登录。',
  'signin.user': '用户名',
  'signin.password': '密码',
  'signin.pwsubmit': '登录',
  'signin.pwbusy': '正在登录…',
  'signin.pwmissing': '请填写用户名和密码。',
  'signin.pwbad': '用户名或密码错误，或账户因多次失败暂时锁定；请稍后再试，或请管理员重设密码。',
  'signin.usetoken': '使用访问令牌',
  'signin.tokenlead': '脚本和管理员也可使用管理员发放的 API 令牌登录。令牌只保存在本标签页中，关闭标签页即失效。',
};

export const enSignin = {
  'signin.lead': 'Sign in with your user name and password. The sign-in ends after a while without use, and when the browser closes.',
  'signin.user': 'User name',
  'signin.password': 'Password',
  'signin.pwsubmit': 'Sign in',
  'signin.pwbusy': 'Signing in…',
  'signin.pwmissing': 'Enter your user name and password.',
  'signin.pwbad': 'The user name or password is wrong, or the account is locked for a while after repeated failures; try again later or ask an administrator to reset the password.',
  'signin.usetoken': 'Use an access token',
  'signin.tokenlead': 'Scripts and administrators may also sign in with an API token from an administrator. It is kept for this tab only and is gone when the tab closes.',
};
