//! PostgreSQL-only tests (the contract suite is in store/tests).
