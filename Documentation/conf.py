# SPDX-License-Identifier: GPL-2.0
#
# Sphinx configuration for mcg's documentation: make htmldocs renders it
# into build/htmldocs.  No extensions: Debian 12's python3-sphinx (5.3)
# is all it needs.

project = 'mcg'
# The YNL spec and its schema (netlink/) are data, not pages.
exclude_patterns = ['netlink']
