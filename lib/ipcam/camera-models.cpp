// What a setting's index means, per model. Every index is a position in the
// camera's own on-screen menu, and no public source lists a real model's
// menus: a label here must come from a source the project can name
// (docs/settings.md says which), never from a guess. Where nothing is
// known the index shows as its number.
#include "ipcam/camera-settings.h"

namespace ipcam {

namespace {

struct MenuEntry {
  // Which cameras: a block's `model` field and firmware string; an unset
  // one matches every camera.
  std::optional<int32_t> model;
  const char *firmware;  // nullptr: any
  const char *setting;
  std::vector<std::pair<int32_t, const char *>> labels;
};

// The two switches are states, not menus: the vendor's struct names them
// "switch" and 0xA03A/0xA046 set them with 1 = start, 0 = stop, on every
// model of the family.
const std::vector<MenuEntry> &menu_table() {
  static const std::vector<MenuEntry> table = {
      {std::nullopt, nullptr, "recording", {{0, "stopped"}, {1, "recording"}}},
      {std::nullopt, nullptr, "slow-motion-recording", {{0, "stopped"}, {1, "recording"}}},
  };
  return table;
}

const MenuEntry *find_menu(const ConfigBlock &block, std::string_view setting) {
  // The 96-byte layout's fields have no known meaning at all.
  if (block.layout != ConfigBlock::Layout::kFull) return nullptr;
  std::optional<int32_t> model = setting_value(block, "model");
  for (const MenuEntry &e : menu_table()) {
    if (setting != e.setting) continue;
    if (e.model && e.model != model) continue;
    if (e.firmware && block.firmware != e.firmware) continue;
    return &e;
  }
  return nullptr;
}

}  // namespace

std::optional<std::string> index_label(const ConfigBlock &block, std::string_view setting, int32_t index) {
  const MenuEntry *e = find_menu(block, setting);
  if (!e) return std::nullopt;
  for (const auto &[i, label] : e->labels)
    if (i == index) return std::string(label);
  return std::nullopt;
}

std::vector<std::pair<int32_t, std::string>> known_menu(const ConfigBlock &block, std::string_view setting) {
  std::vector<std::pair<int32_t, std::string>> menu;
  if (const MenuEntry *e = find_menu(block, setting))
    for (const auto &[i, label] : e->labels) menu.emplace_back(i, label);
  return menu;
}

}  // namespace ipcam
