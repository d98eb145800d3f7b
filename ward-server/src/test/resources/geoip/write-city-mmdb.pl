#!/usr/bin/perl
# Writes a small GeoLite2-City-format database for tests with MaxMind's own writer (Debian: libmaxmind-db-writer-perl).
# Usage: write-city-mmdb.pl OUT.mmdb NETWORK=CC,City,latitude,longitude ...
use strict;
use warnings;
use MaxMind::DB::Writer::Tree;

my $out = shift @ARGV or die "usage: $0 OUT.mmdb NETWORK=CC,City,lat,lon ...\n";
my %types = (
    city => 'map', country => 'map', location => 'map', names => 'map',
    iso_code => 'utf8_string', en => 'utf8_string', geoname_id => 'uint32',
    latitude => 'double', longitude => 'double', accuracy_radius => 'uint16',
);
my $tree = MaxMind::DB::Writer::Tree->new(
    ip_version              => 6,
    record_size             => 28,
    database_type           => 'GeoLite2-City',
    languages               => ['en'],
    description             => { en => 'Ward test city database' },
    map_key_type_callback   => sub { $types{ $_[0] } },
    remove_reserved_networks => 0,
    alias_ipv6_to_ipv4      => 1,
);
for my $entry (@ARGV) {
    my ($network, $place) = split /=/, $entry, 2;
    my ($cc, $city, $lat, $lon) = split /,/, $place;
    $tree->insert_network($network, {
        country  => { iso_code => $cc, names => { en => $cc } },
        city     => { names => { en => $city } },
        location => { latitude => $lat + 0.0, longitude => $lon + 0.0, accuracy_radius => 10 },
    });
}
open my $fh, '>:raw', $out or die "cannot write $out: $!\n";
$tree->write_tree($fh);
close $fh or die "cannot close $out: $!\n";
