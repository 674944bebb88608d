using System.Diagnostics;
using System.Text;
using RedisCluster.Engine.Cluster;
using Xunit;
using Xunit.Abstractions;

namespace RedisCluster.Tests.Cluster
{
    public class HashSlotTests
    {
        private readonly ITestOutputHelper _output;

        public HashSlotTests(ITestOutputHelper output)
        {
            _output = output;
        }

        [Theory]
        [InlineData("123456789", 0x31C3)]
        [InlineData("", 0)]
        [InlineData("A", 0x58E5)]
        public void Crc16_matches_xmodem_check_values(string data, int expected)
        {
            Assert.Equal(expected, HashSlot.Crc16(Encoding.ASCII.GetBytes(data)));
        }

        [Theory]
        [InlineData("foo", 12182)]
        [InlineData("bar", 5061)]
        [InlineData("hello", 866)]
        [InlineData("user1000", 3443)]
        [InlineData("", 0)]
        public void Known_keys_map_to_known_slots(string key, int slot)
        {
            Assert.Equal(slot, HashSlot.GetSlot(key));
            Assert.Equal(slot, HashSlot.GetSlot(Encoding.UTF8.GetBytes(key)));
        }

        [Theory]
        [InlineData("{user1000}.following", "user1000")]
        [InlineData("{user1000}.followers", "user1000")]
        [InlineData("foo{}{bar}", "foo{}{bar}")]
        [InlineData("foo{{bar}}zap", "{bar")]
        [InlineData("foo{bar}{zap}", "bar")]
        [InlineData("{}", "{}")]
        [InlineData("{", "{")]
        [InlineData("}{", "}{")]
        [InlineData("abc{def", "abc{def")]
        [InlineData("abc}def{ghi}", "ghi")]
        [InlineData("{a}", "a")]
        [InlineData("x{a}}", "a")]
        public void Hash_tag_hashes_between_first_open_brace_and_next_close_brace(string key, string hashed)
        {
            int expected = HashSlot.Crc16(Encoding.UTF8.GetBytes(hashed)) & (HashSlot.Count - 1);
            Assert.Equal(expected, HashSlot.GetSlot(key));
            Assert.Equal(expected, HashSlot.GetSlot(Encoding.UTF8.GetBytes(key)));
        }

        [Fact]
        public void Tagged_keys_share_the_slot_of_their_tag()
        {
            Assert.Equal(HashSlot.GetSlot("user1000"), HashSlot.GetSlot("{user1000}.following"));
            Assert.Equal(HashSlot.GetSlot("user1000"), HashSlot.GetSlot("{user1000}.followers"));
            Assert.Equal(HashSlot.GetSlot("bar"), HashSlot.GetSlot("foo{bar}{zap}"));
        }

        [Theory]
        [InlineData("ключ")]
        [InlineData("värde ✓ 😀")]
        [InlineData("{ключ}x")]
        public void String_keys_hash_as_their_utf8_bytes(string key)
        {
            Assert.Equal(HashSlot.GetSlot(Encoding.UTF8.GetBytes(key)), HashSlot.GetSlot(key));
        }

        [Fact]
        public void Long_string_keys_hash_as_their_utf8_bytes()
        {
            string ascii = new string('k', 10_000);
            Assert.Equal(HashSlot.GetSlot(Encoding.UTF8.GetBytes(ascii)), HashSlot.GetSlot(ascii));
            string unicode = string.Concat(Enumerable.Repeat("ключ", 1000));
            Assert.Equal(HashSlot.GetSlot(Encoding.UTF8.GetBytes(unicode)), HashSlot.GetSlot(unicode));
        }

        [Fact]
        public void Binary_keys_are_hashed_byte_for_byte()
        {
            byte[] key = { 0x00, 0xff, (byte)'{', 0x80, (byte)'}', 0x01 };
            Assert.Equal(HashSlot.Crc16(new byte[] { 0x80 }) & 16383, HashSlot.GetSlot(key));
        }

        [Fact]
        public void Null_string_key_is_rejected()
        {
            Assert.Throws<ArgumentNullException>(() => HashSlot.GetSlot((string)null!));
        }

        [Fact]
        public void Slot_tag_table_gives_every_slot_a_short_alphanumeric_tag_that_hashes_to_it()
        {
            var clock = Stopwatch.StartNew();
            var table = new SlotTagTable();
            clock.Stop();
            _output.WriteLine("built the slot tag table in " + clock.Elapsed.TotalMilliseconds.ToString("F2", System.Globalization.CultureInfo.InvariantCulture) + " ms");

            var seen = new HashSet<string>();
            int longest = 0;
            for (int slot = 0; slot < HashSlot.Count; slot++)
            {
                byte[] tag = table.GetTag(slot);
                Assert.NotEmpty(tag);
                Assert.All(tag, b => Assert.True(char.IsAsciiLetterOrDigit((char)b), "tag byte " + b));
                Assert.Equal(slot, HashSlot.Crc16(tag) & (HashSlot.Count - 1));
                Assert.Equal(slot, HashSlot.GetSlot(Encoding.ASCII.GetBytes("{" + Encoding.ASCII.GetString(tag) + "}:some:key")));
                Assert.True(seen.Add(Encoding.ASCII.GetString(tag)));
                longest = Math.Max(longest, tag.Length);
            }

            _output.WriteLine("longest tag: " + longest + " characters");
            Assert.True(longest <= 3, "longest tag " + longest);
        }

        [Fact]
        public void Slot_tag_table_is_shared_and_hands_out_copies()
        {
            Assert.Same(SlotTagTable.Shared, SlotTagTable.Shared);
            byte[] tag = SlotTagTable.Shared.GetTag(42);
            tag[0] = (byte)'{';
            Assert.NotEqual((byte)'{', SlotTagTable.Shared.GetTag(42)[0]);
            Assert.Equal(42, HashSlot.Crc16(SlotTagTable.Shared.GetTag(42)) & 16383);
        }

        [Theory]
        [InlineData(-1)]
        [InlineData(16384)]
        public void Slot_tag_table_rejects_slots_out_of_range(int slot)
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => SlotTagTable.Shared.GetTag(slot));
        }
    }
}
