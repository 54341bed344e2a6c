// The hub's cache of the access units since the last keyframe: it opens at
// a keyframe, starts again at each one, and past its bounds (frames or
// bytes) holds nothing until the next keyframe, so a camera that never
// sends one cannot make it grow.
#include "media/gop-cache.h"

#include <gtest/gtest.h>

#include <vector>

using ipcam::server::GopCache;

namespace {

// An access unit of `size` bytes, its first byte `tag`.
GstSample *unit(bool key, size_t size, guint8 tag) {
  GstBuffer *b = gst_buffer_new_allocate(nullptr, size, nullptr);
  gst_buffer_memset(b, 0, tag, size);
  if (!key) GST_BUFFER_FLAG_SET(b, GST_BUFFER_FLAG_DELTA_UNIT);
  GstSample *s = gst_sample_new(b, nullptr, nullptr, nullptr);
  gst_buffer_unref(b);
  return s;
}

void add(GopCache &cache, bool key, size_t size, guint8 tag) {
  GstSample *s = unit(key, size, tag);
  cache.add(s);
  gst_sample_unref(s);
}

std::vector<int> tags(const GopCache &cache) {
  std::vector<int> out;
  for (GstSample *s : cache.samples()) {
    guint8 t = 0;
    gst_buffer_extract(gst_sample_get_buffer(s), 0, &t, 1);
    out.push_back(t);
  }
  return out;
}

class GopCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { gst_init(nullptr, nullptr); }
};

TEST_F(GopCacheTest, OpensAtAKeyframeAndStartsAgainAtEach) {
  GopCache cache(10, 1 << 20);
  add(cache, false, 100, 1);  // before any keyframe: not decodable, not kept
  EXPECT_TRUE(cache.samples().empty());
  add(cache, true, 1000, 2);
  add(cache, false, 100, 3);
  add(cache, false, 100, 4);
  EXPECT_EQ(tags(cache), (std::vector<int>{2, 3, 4}));
  EXPECT_EQ(cache.bytes(), 1200u);
  add(cache, true, 900, 5);
  add(cache, false, 100, 6);
  EXPECT_EQ(tags(cache), (std::vector<int>{5, 6}));
  EXPECT_EQ(cache.bytes(), 1000u);
  cache.clear();  // a new camera session: nothing until its keyframe
  add(cache, false, 100, 7);
  EXPECT_TRUE(cache.samples().empty());
  add(cache, true, 100, 8);
  EXPECT_EQ(tags(cache), (std::vector<int>{8}));
}

TEST_F(GopCacheTest, TooManyFramesEmptiesItUntilTheNextKeyframe) {
  GopCache cache(5, 1 << 20);
  add(cache, true, 100, 1);
  for (guint8 i = 2; i <= 5; i++) add(cache, false, 100, i);
  EXPECT_EQ(cache.samples().size(), 5u);
  add(cache, false, 100, 6);  // the sixth: over the bound
  EXPECT_TRUE(cache.samples().empty());
  EXPECT_EQ(cache.bytes(), 0u);
  for (guint8 i = 7; i < 50; i++) add(cache, false, 100, i);  // a camera that sends no keyframe
  EXPECT_TRUE(cache.samples().empty());
  add(cache, true, 100, 50);
  add(cache, false, 100, 51);
  EXPECT_EQ(tags(cache), (std::vector<int>{50, 51}));
}

TEST_F(GopCacheTest, TooManyBytesEmptiesItUntilTheNextKeyframe) {
  GopCache cache(100, 10000);
  add(cache, true, 6000, 1);
  add(cache, false, 4000, 2);  // exactly the bound: kept
  EXPECT_EQ(cache.bytes(), 10000u);
  add(cache, false, 1, 3);
  EXPECT_TRUE(cache.samples().empty());
  add(cache, true, 20000, 4);  // a keyframe alone past the bound is not kept either
  EXPECT_TRUE(cache.samples().empty());
  EXPECT_EQ(cache.bytes(), 0u);
  add(cache, false, 10, 5);
  EXPECT_TRUE(cache.samples().empty());
}

TEST_F(GopCacheTest, HoldsItsOwnReferences) {
  GstSample *s = unit(true, 10, 1);
  {
    GopCache cache(10, 1000);
    cache.add(s);
    EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(s), 2);
  }
  EXPECT_EQ(GST_MINI_OBJECT_REFCOUNT_VALUE(s), 1);
  gst_sample_unref(s);
}

}  // namespace
