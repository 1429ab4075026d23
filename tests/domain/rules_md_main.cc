// Prints docs/rules.md, generated from the rule registry (domain/rules.h).
// Usage: kamgov_rules_md > docs/rules.md

#include <iostream>

#include "domain/rules.h"

int main() {
  std::cout << kamgov::domain::RulesMarkdown();
  return 0;
}
