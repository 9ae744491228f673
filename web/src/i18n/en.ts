export default {
  app: { name: 'Hotline', subtitle: 'Contact center console' },
  common: {
    create: 'Create', edit: 'Edit', delete: 'Delete', save: 'Save', cancel: 'Cancel', confirm: 'Confirm',
    search: 'Search', reset: 'Reset', refresh: 'Refresh', actions: 'Actions', yes: 'Yes', no: 'No',
    enabled: 'Enabled', disabled: 'Disabled', status: 'Status', all: 'All', none: 'None',
    createdAt: 'Created', updatedAt: 'Updated', name: 'Name', close: 'Close', copy: 'Copy',
    copied: 'Copied to the clipboard', copyFailed: 'Copy failed; select the text and copy it by hand',
    saved: 'Saved', deleted: 'Deleted', confirmDelete: 'Delete "{name}"? This cannot be undone.',
    confirmTitle: 'Please confirm', required: 'Required', readOnly: 'Read-only', add: 'Add', remove: 'Remove',
    startTime: 'Start time', endTime: 'End time', to: 'to', never: 'Never', seconds: 'seconds',
  },
  lang: { label: 'Language', 'zh-CN': '中文', en: 'English' },
  login: {
    title: 'Sign in', tenant: 'Tenant code', username: 'Username', password: 'Password', submit: 'Sign in',
    tenantHint: 'Use "system" for the platform operator', failed: 'Sign-in failed',
  },
  topbar: {
    changePassword: 'Change password', logout: 'Log out', loggedOut: 'You have logged out',
    oldPassword: 'Current password', newPassword: 'New password', confirmPassword: 'Repeat new password',
    passwordMismatch: 'The two new passwords differ', passwordTooShort: 'At least 8 characters',
    passwordChanged: 'Password changed',
  },
  menu: {
    home: 'Home', platform: 'Platform', departments: 'Departments', users: 'Users', roles: 'Roles',
    api_keys: 'API keys', security: 'Security', logs: 'Logs', tenants: 'Tenants',
  },
  home: {
    welcome: 'Welcome, {name}', tenant: 'Tenant', timezone: 'Time zone', scope: 'Data scope',
    permissions: 'Your menus', noMenus: 'Your roles grant no menus yet. Ask your administrator.',
  },
  access: { none: 'None', ro: 'Read-only', rw: 'Read-write' },
  scope: { department: 'Own department', department_tree: 'Department and children', tenant: 'Whole tenant' },
  departments: {
    title: 'Departments', addRoot: 'Add top department', addChild: 'Add child', rename: 'Rename', move: 'Move',
    name: 'Department name', parent: 'Parent department', noParent: '(top level)', empty: 'No departments yet',
    createTitle: 'New department', renameTitle: 'Rename department', moveTitle: 'Move department',
    filter: 'Filter departments',
  },
  users: {
    title: 'Users', username: 'Username', displayName: 'Display name', email: 'Email', department: 'Department',
    roles: 'Roles', password: 'Password', newPassword: 'New password', newPasswordHint: 'Leave empty to keep',
    lastLogin: 'Last login', searchPlaceholder: 'Username, name or email', allDepartments: 'All departments',
    createTitle: 'New user', editTitle: 'Edit user', enabled: 'Enabled',
  },
  roles: {
    title: 'Roles', builtin: 'Built-in', builtinHint: 'The built-in role cannot be changed', matrix: 'Menu permissions',
    menu: 'Menu', access: 'Access', dataScope: 'Data scope', createTitle: 'New role', editTitle: 'Edit role',
    view: 'View', viewTitle: 'Role', permissions: 'Permissions',
  },
  apiKeys: {
    title: 'API keys', role: 'Role', validSeconds: 'Validity window (seconds)', lastUsed: 'Last used',
    createTitle: 'New API key', revoke: 'Revoke', confirmRevoke: 'Revoke the key "{name}"? Integrations using it will stop working.',
    revoked: 'Key revoked', secretTitle: 'Key created', keyId: 'Key id (X-Hotline-Key)', secret: 'Secret',
    secretHint: 'Copy the secret now: it is shown only once and cannot be read again.',
  },
  security: {
    title: 'Security', allowlist: 'IP allow-list', hint: 'When the list is not empty, logins, sessions and API keys of this tenant are only accepted from these addresses (CIDR, e.g. 10.0.0.0/8). An empty list means no restriction.',
    cidr: 'CIDR', addCidr: 'Add address', empty: 'No restriction: every address is allowed', invalid: 'Not a valid CIDR',
  },
  logs: {
    title: 'Logs', operations: 'Operation log', logins: 'Login log', time: 'Time', user: 'User', userId: 'User (name or id)',
    action: 'Action', resource: 'Resource', resourceId: 'Resource id', ip: 'IP', before: 'Before', after: 'After',
    result: 'Result', success: 'Success', failure: 'Failure', reason: 'Reason', username: 'Username',
    actions: { create: 'Create', update: 'Update', delete: 'Delete', login: 'Login', logout: 'Logout' },
  },
  tenants: {
    title: 'Tenants', code: 'Code', name: 'Name', timezone: 'Time zone', adminUsername: 'Admin username',
    adminPassword: 'Admin password', createTitle: 'New tenant', enable: 'Enable', disable: 'Disable',
    confirmDelete: 'Delete tenant "{name}" and all its data?',
  },
  errors: { forbidden: 'You have no permission for this page', network: 'Cannot reach the server', notFound: 'Page not found' },
}
