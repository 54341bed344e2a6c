// apply-settings' text ("exposure=2, led=0[, firmware=...]") and the
// host-clock check that decides whether a camera's clock may be set.
#include "ipcam/error.h"
#include "ipcam/settings-spec.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace ipcam;

namespace {

using Values = std::vector<std::pair<std::string, int32_t>>;

std::string error_of(const char *text) {
  ErrorGuard err;
  EXPECT_FALSE(parse_settings_spec(text, err.out())) << text;
  EXPECT_TRUE(err.matches(IPCAM_ERROR, IPCAM_ERROR_INVALID_ARGUMENT)) << text;
  return err.message();
}

}  // namespace

TEST(SettingsSpec, NamesIndexesAndFirmwareInOrder) {
  ErrorGuard err;
  auto spec = parse_settings_spec(" exposure=2, led=0 ,firmware=v1.0 rc5, video-size=-1", err.out());
  ASSERT_TRUE(spec) << err.message();
  EXPECT_EQ(spec->values, (Values{{"exposure", 2}, {"led", 0}, {"video-size", -1}}));
  EXPECT_EQ(spec->firmware, "v1.0 rc5");
}

TEST(SettingsSpec, AcceptsAGstStructureText) {
  ErrorGuard err;
  auto spec = parse_settings_spec("s, exposure=(int)2, led=(int)0, firmware=(string)\"v1.0 rc5\";", err.out());
  ASSERT_TRUE(spec) << err.message();
  EXPECT_EQ(spec->values, (Values{{"exposure", 2}, {"led", 0}}));
  EXPECT_EQ(spec->firmware, "v1.0 rc5");
}

TEST(SettingsSpec, EmptyIsNothingToApply) {
  auto spec = parse_settings_spec("", nullptr);
  ASSERT_TRUE(spec);
  EXPECT_TRUE(spec->values.empty());
  EXPECT_TRUE(spec->firmware.empty());
}

TEST(SettingsSpec, ErrorsNameWhatIsWrong) {
  std::string unknown = error_of("exposure=2, brightness=3");
  EXPECT_NE(unknown.find("\"brightness\""), std::string::npos) << unknown;
  EXPECT_NE(unknown.find("video-quality, loop-length"), std::string::npos) << unknown;
  EXPECT_NE(error_of("recording=1").find("read-only"), std::string::npos);
  EXPECT_NE(error_of("model=1").find("\"model\""), std::string::npos);
  EXPECT_NE(error_of("led=on").find("integer"), std::string::npos);
  EXPECT_NE(error_of("led=1x").find("\"1x\""), std::string::npos);
  EXPECT_NE(error_of("led=").find("integer"), std::string::npos);
  EXPECT_NE(error_of("led=99999999999").find("integer"), std::string::npos);
  EXPECT_NE(error_of("led=1, led=0").find("twice"), std::string::npos);
  EXPECT_NE(error_of("firmware=a, firmware=b").find("twice"), std::string::npos);
  EXPECT_NE(error_of("exposure").find("\"exposure\""), std::string::npos);  // a setting without a value
  EXPECT_NE(error_of("led=1, exposure").find("NAME=INDEX"), std::string::npos);
}

TEST(HostClock, EnvironmentOverridesTheKernelsAnswer) {
  setenv("IPCAM_HOST_CLOCK", "unsynchronised", 1);
  auto why = host_clock_unsynchronised();
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("not synchronised"), std::string::npos) << *why;
  setenv("IPCAM_HOST_CLOCK", "synchronised", 1);
  EXPECT_FALSE(host_clock_unsynchronised());
  unsetenv("IPCAM_HOST_CLOCK");
  // Without the override the answer is the kernel's: either is valid here,
  // but a reason, when there is one, says what to do.
  if (auto reason = host_clock_unsynchronised()) {
    EXPECT_FALSE(reason->empty());
  }
}
