"""UI-free core: services, domain objects and adapters. Never imports Qt."""
