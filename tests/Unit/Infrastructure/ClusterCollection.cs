using Xunit;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Tests in <c>[Collection(ClusterCollection.Name)]</c> share one <see cref="ClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>
{
    public const string Name = "cluster";
}
