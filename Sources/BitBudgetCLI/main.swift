// bitbudget: command-line entry point (subcommands land here).
print("bitbudget")
