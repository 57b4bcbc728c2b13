"""Topic modules: the experiments and checks of one topic each (linear attention, neural collapse, ...).

Every module here is found by the catalogue (`theorycheck.verify.all_checks`); its experiments are public
so that figures (and users) call them directly.
"""
