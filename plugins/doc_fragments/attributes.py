# -*- coding: utf-8 -*-
# Copyright: certfleet.acme contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    # Modules that talk to an ACME server belong to the action group acme.
    ACME = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/certfleet.acme.acme) in C(module_defaults) to set its options for every module of the group.
    support: full
    membership:
      - certfleet.acme.acme
'''
