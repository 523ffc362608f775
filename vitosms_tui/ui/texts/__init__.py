"""What the core says in codes and values, said in the interface's language.

The core speaks English to the command line and stores codes with their values;
the modules here hold the one catalogue per kind of text (refusals, timeline
lines, ledger notes, delivery faults) and render it with ``_()``, Swiss dates
and numbers.
"""
