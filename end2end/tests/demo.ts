/** Demo people (see server/src/seed.rs) and their local-only password, for the tests and
 * for global-setup.ts (which cannot load helpers.ts before the server is up). */
export const PASSWORD = 'roster-demo-2026';
export const USERS = {
  admin: 'adam.admin@northwind.example',
  operator: 'olivia.operator@roster.example',
  contact: 'carla.contact@northwind.example',
  inactive: 'ivan.inactive@northwind.example',
  partner: 'paula.partner@initech.example',
  /** Approves access requests for every deployment Initech Partners supports. */
  approver: 'alex.approver@initech.example',
};
