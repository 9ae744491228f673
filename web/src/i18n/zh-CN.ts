import type en from './en'

const zh: typeof en = {
  app: { name: 'Hotline', subtitle: '呼叫中心管理控制台' },
  common: {
    create: '新增', edit: '编辑', delete: '删除', save: '保存', cancel: '取消', confirm: '确定',
    search: '查询', reset: '重置', refresh: '刷新', actions: '操作', yes: '是', no: '否',
    enabled: '启用', disabled: '停用', status: '状态', all: '全部', none: '无',
    createdAt: '创建时间', updatedAt: '更新时间', name: '名称', close: '关闭', copy: '复制',
    copied: '已复制到剪贴板', copyFailed: '复制失败，请手动选中文本复制',
    saved: '保存成功', deleted: '删除成功', confirmDelete: '确定删除"{name}"吗？此操作不可恢复。',
    confirmTitle: '请确认', required: '必填', readOnly: '只读', add: '添加', remove: '移除',
    startTime: '开始时间', endTime: '结束时间', to: '至', never: '从未', seconds: '秒',
  },
  lang: { label: '语言', 'zh-CN': '中文', en: 'English' },
  login: {
    title: '登录', tenant: '企业编码', username: '用户名', password: '密码', submit: '登录',
    tenantHint: '平台运营方请填写 "system"', failed: '登录失败',
  },
  topbar: {
    changePassword: '修改密码', logout: '退出登录', loggedOut: '已退出登录',
    oldPassword: '当前密码', newPassword: '新密码', confirmPassword: '确认新密码',
    passwordMismatch: '两次输入的新密码不一致', passwordTooShort: '至少 8 个字符',
    passwordChanged: '密码已修改',
  },
  menu: {
    home: '首页', platform: '平台管理', departments: '部门管理', users: '用户管理', roles: '角色管理',
    api_keys: 'API 密钥', security: '安全设置', logs: '日志管理', tenants: '租户管理',
  },
  home: {
    welcome: '欢迎，{name}', tenant: '企业', timezone: '时区', scope: '数据范围',
    permissions: '您的菜单', noMenus: '您的角色尚未授予任何菜单，请联系管理员。',
  },
  access: { none: '无权限', ro: '只读', rw: '读写' },
  scope: { department: '本部门', department_tree: '本部门及下级部门', tenant: '全企业' },
  departments: {
    title: '部门管理', addRoot: '新增一级部门', addChild: '新增下级', rename: '重命名', move: '移动',
    name: '部门名称', parent: '上级部门', noParent: '（一级部门）', empty: '暂无部门',
    createTitle: '新增部门', renameTitle: '重命名部门', moveTitle: '移动部门',
    filter: '筛选部门',
  },
  users: {
    title: '用户管理', username: '用户名', displayName: '姓名', email: '邮箱', department: '部门',
    roles: '角色', password: '密码', newPassword: '新密码', newPasswordHint: '留空则不修改',
    lastLogin: '最近登录', searchPlaceholder: '用户名、姓名或邮箱', allDepartments: '全部部门',
    createTitle: '新增用户', editTitle: '编辑用户', enabled: '启用',
  },
  roles: {
    title: '角色管理', builtin: '内置', builtinHint: '内置角色不可修改', matrix: '菜单权限',
    menu: '菜单', access: '权限', dataScope: '数据范围', createTitle: '新增角色', editTitle: '编辑角色',
    view: '查看', viewTitle: '角色', permissions: '权限',
  },
  apiKeys: {
    title: 'API 密钥', role: '角色', validSeconds: '有效时间窗（秒）', lastUsed: '最近使用',
    createTitle: '新增 API 密钥', revoke: '吊销', confirmRevoke: '确定吊销密钥"{name}"吗？使用它的对接将无法调用。',
    revoked: '密钥已吊销', secretTitle: '密钥已创建', keyId: '密钥 ID（X-Hotline-Key）', secret: '密钥',
    secretHint: '请立即复制密钥：它只显示这一次，之后无法再次查看。',
  },
  security: {
    title: '安全设置', allowlist: 'IP 白名单', hint: '名单不为空时，本企业的登录、会话和 API 密钥只接受来自这些地址的访问（CIDR 格式，如 10.0.0.0/8）。名单为空表示不限制。',
    cidr: 'CIDR', addCidr: '添加地址', empty: '不限制：允许所有地址访问', invalid: 'CIDR 格式不正确',
  },
  logs: {
    title: '日志管理', operations: '操作日志', logins: '登录日志', time: '时间', user: '操作人', userId: '操作人（用户名或 ID）',
    action: '操作', resource: '操作对象', resourceId: '对象 ID', ip: 'IP', before: '修改前', after: '修改后',
    result: '结果', success: '成功', failure: '失败', reason: '原因', username: '用户名',
    actions: { create: '新增', update: '修改', delete: '删除', login: '登录', logout: '退出' },
  },
  tenants: {
    title: '租户管理', code: '企业编码', name: '企业名称', timezone: '时区', adminUsername: '管理员用户名',
    adminPassword: '管理员密码', createTitle: '新增租户', enable: '启用', disable: '停用',
    confirmDelete: '确定删除租户"{name}"及其全部数据吗？',
  },
  errors: { forbidden: '您没有此页面的权限', network: '无法连接服务器', notFound: '页面不存在' },
}
export default zh
