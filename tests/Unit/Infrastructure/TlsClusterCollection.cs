using Xunit;

namespace RedisCluster.Tests.Infrastructure;

/// <summary>Tests in <c>[Collection(TlsClusterCollection.Name)]</c> share one <see cref="TlsClusterFixture"/>.</summary>
[CollectionDefinition(Name)]
public sealed class TlsClusterCollection : ICollectionFixture<TlsClusterFixture>
{
    public const string Name = "tls-cluster";
}
