using Xunit;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Tests in <c>[Collection(StandaloneCollection.Name)]</c> share one <see cref="StandaloneFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class StandaloneCollection : ICollectionFixture<StandaloneFixture>
{
    public const string Name = "standalone";
}
