"""What every capability stands on: the store and its migrations, the audit trail, permissions,
jobs, errors and the Service base. Imports no capability."""
