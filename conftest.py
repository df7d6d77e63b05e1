pytest_plugins = ["hotline_shared.testing.plugin"]
