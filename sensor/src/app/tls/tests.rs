//! Tests against real handshakes from the shared corpus (suricata-verify and zeek-traces pcaps):
//! EVE output, JA3/JA3S/JA4 and SNI must equal what Suricata 7.0.10 (ja3/ja4 enabled) and
//! tshark 4.0.17 printed for the same flows; the same bytes in any split must parse the same.

use proptest::prelude::*;

use super::handshake::{HS_CERTIFICATE, HS_CLIENT_HELLO};
use super::*;
use crate::app::Direction::{ToClient, ToServer};

macro_rules! fixtures {
    ($($name:literal),* $(,)?) => {
        &[$((
            $name,
            include_bytes!(concat!("testdata/", $name, ".c2s.bin")),
            include_bytes!(concat!("testdata/", $name, ".s2c.bin")),
        )),*]
    };
}

/// Both directions of one TLS connection from the corpus, up to the end of its handshake
/// (tshark `follow,tcp,raw`), client stream capped at 2 KiB.
const FIXTURES: &[(&str, &[u8], &[u8])] = fixtures![
    "cert-no-cn.0",
    "certificate-with-sct.0",
    "chrome-1250-tls-x25519-kyber.0",
    "chrome-34-google.0",
    "chrome-63.0.3211.0-canary-tls_experiment.0",
    "client-certificate.0",
    "dhe.0",
    "dump_mtu300.0",
    "ecdhe.0",
    "heartbleed.0",
    "hrr.0",
    "ocsp-stapling-twimg.0",
    "signed_certificate_timestamp.0",
    "ssl.v3.0",
    "ssl.v3.1",
    "telesec.0",
    "tls-1.2-handshake-failure.0",
    "tls-1.2-stream-keylog.0",
    "tls-13draft19-early-data.0",
    "tls-13draft19-early-data.1",
    "tls-fragmented-handshake.0",
    "tls1.2.0",
    "tls12-decryption.0",
    "tls13-ech.1",
    "tls13-ech.2",
    "tls13_psk_succesfull.0",
    "tls13draft16-chrome55.0.2879.0-canary.0",
    "tls13draft16-ff52.a01.0",
    "tls13draft16-ff52.a01.1",
    "tls13draft23-chrome67.0.3368.0-canary.0",
    "tls1_1.0",
    "tor_bl.0",
    "x509-generalizedtime.0",
];

/// (fixture, Suricata 7.0.10's EVE `tls` object for that flow, minus `client`).
const CORPUS: &[(&str, &str)] = &[
    (
        "cert-no-cn.0",
        r#"{"subject":"O=TestCorp","issuerdn":"O=TestCorp","serial":"00:FA:17:A6:14:05:9B:1E:F3","fingerprint":"36:ff:d6:dc:09:f1:57:8d:3a:97:8c:29:fe:ed:84:c4:25:f1:e9:d4","version":"TLSv1","notbefore":"2015-03-04T00:31:05","notafter":"2016-03-03T00:31:05","ja3":{"hash":"6eca5d94b8020b2a51d96384782083b9","string":"771,49200-49196-49192-49188-49172-49162-163-159-107-106-57-56-136-135-49202-49198-49194-49190-49167-49157-157-61-53-132-49170-49160-22-19-49165-49155-10-49199-49195-49191-49187-49171-49161-162-158-103-64-51-50-154-153-69-68-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-255,11-10-35-13-15,25-24-23,0-1-2"},"ja3s":{"hash":"ae7ebaa87c327353949114a3b85f13cc","string":"769,57,65281-35"},"ja4":"t12i660500_00a40d0492ae_3eafcbe19126"}"#,
    ),
    (
        "certificate-with-sct.0",
        r#"{"subject":"C=US, CN=lilawelt.net","issuerdn":"C=CN, O=WoSign CA Limited, CN=WoSign CA Free SSL Certificate G2","serial":"38:C1:75:34:0A:F8:A2:D0:22:A3:2C:D0:75:EB:D0:F6","fingerprint":"8b:63:fb:56:31:2b:71:ba:b3:07:4d:16:77:6f:5b:17:e7:60:12:2f","sni":"www.lilawelt.net","version":"TLS 1.2","notbefore":"2016-09-26T21:10:38","notafter":"2019-09-26T21:10:38","ja3":{"hash":"fd80fa9c6120cdeea8520510f3c644ac","string":"771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-49170-49160-22-19-16-13-49165-49155-10-255,0-11-10-35-13-15,23-25-28-27-24-26-22-14-13-11-12-9-10,0-1-2"},"ja3s":{"hash":"56708b0224af887c7d3020e7bde205e5","string":"771,49199,0-65281-11-35-15"},"ja4":"t12d860600_e18388e7f3a3_a1e935682795"}"#,
    ),
    (
        "chrome-1250-tls-x25519-kyber.0",
        r#"{"sni":"lh3.google.com","version":"TLS 1.3","ja3":{"hash":"9d33d8206d4fec4c8b1423c728f4cd3c","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,35-13-11-10-27-17513-51-16-43-23-65281-5-45-65037-18-0,25497-29-23-24,0"},"ja3s":{"hash":"eb1d94daa7e0344597e756a1fb6e7054","string":"771,4865,51-43"},"ja4":"t13d1516h2_8daaf6152771_02713d6af862"}"#,
    ),
    (
        "chrome-34-google.0",
        r#"{"subject":"C=US, ST=California, L=Mountain View, O=Google Inc, CN=*.google.de","issuerdn":"C=US, O=Google Inc, CN=Google Internet Authority G2","serial":"5F:16:E9:1E:8E:86:3F:49","fingerprint":"cb:69:d0:4e:c2:ee:06:38:e9:3c:6e:cc:56:b7:dc:c1:f8:43:c2:47","sni":"google.de","version":"TLS 1.2","notbefore":"2014-04-09T12:07:45","notafter":"2014-07-08T00:00:00","ja3":{"hash":"a607f3a5c94c2ee592af1456f36c8367","string":"771,49195-49199-158-52244-52243-49162-49161-49171-49172-49159-49169-51-50-57-156-47-53-10-5-4,0-65281-10-11-35-13172-16-30032-5-13-18,23-24-25,0"},"ja3s":{"hash":"9f5e2e0d84076af5475bbe44debdb03e","string":"771,49199,0-65281-11-35-30032-16"},"ja4":"t12d2011s3_8dd61975155f_06a4338d0495"}"#,
    ),
    (
        "chrome-63.0.3211.0-canary-tls_experiment.0",
        r#"{"sni":"tls.ctf.network","version":"0x7e01","ja3":{"hash":"d601fa961e06cde8d2862c0613a425f9","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53-10,65281-0-23-35-13-5-18-16-30032-11-40-45-43-10-24-21,29-23-24,0"},"ja3s":{"hash":"d9f520f64c0731564298ee69133d59d2","string":"771,4865,40-43"},"ja4":"t12d1616h2_46e7e9700bed_8cbc9340e09a"}"#,
    ),
    (
        "client-certificate.0",
        r#"{"subject":"CN=certauth.idrix.fr","issuerdn":"C=US, O=Let's Encrypt, CN=R3","serial":"04:5A:90:5E:1E:A8:69:42:AC:38:57:B4:81:D6:DE:9A:85:CB","fingerprint":"ae:ae:9d:28:72:4c:f5:2c:b8:12:1c:7a:ad:a7:ec:12:78:4a:2a:64","sni":"certauth.idrix.fr","version":"TLS 1.2","notbefore":"2023-01-04T16:14:07","notafter":"2023-04-04T16:14:06","ja3":{"hash":"579ccef312d18482fc42e2b822ca2430","string":"771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0"},"ja3s":{"hash":"d154fcfa5bb4f0748e1dd1992c681104","string":"771,49200,65281-0-11-35-16-23"},"ja4":"t13d1715h2_5b57614c22b0_3d5424432f57"}"#,
    ),
    (
        "dhe.0",
        r#"{"subject":"C=US, CN=www.lilawelt.net, Email=denicadmmail@arcor.de","issuerdn":"C=IL, O=StartCom Ltd., OU=Secure Digital Certificate Signing, CN=StartCom Class 1 Primary Intermediate Server CA","serial":"0F:79:CB","fingerprint":"c3:d4:82:26:a8:f9:4d:3b:bb:49:91:8a:c0:21:87:49:32:58:e7:4e","version":"TLS 1.2","notbefore":"2014-03-30T09:29:15","notafter":"2015-03-31T07:15:52","ja3":{"hash":"de84fb3130387884de22865d3d39d347","string":"771,136-255,35-13-15,,"},"ja3s":{"hash":"baf6ae54beddc6b7cd8b02c8feb62ffe","string":"771,136,65281-35-15"},"ja4":"t12i020300_ea1f27bcdcc2_15cf763851c4"}"#,
    ),
    (
        "dump_mtu300.0",
        r#"{"subject":"CN=www.google.com","issuerdn":"C=US, O=Google Trust Services LLC, CN=GTS CA 1C3","serial":"00:BB:2A:80:CC:14:FC:DD:BC:12:02:B2:A0:86:BD:1D:17","fingerprint":"27:2e:56:1b:56:00:b7:8d:84:07:c7:62:41:02:94:f3:9a:a0:c3:5e","sni":"www.google.com","version":"TLS 1.2","notbefore":"2022-07-18T08:25:34","notafter":"2022-10-10T08:25:33","ja3":{"hash":"a64c29923906f2a1be278be1da0714fa","string":"771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-49170-49160-22-19-16-13-49165-49155-10-7-255,0-11-10-13-15-13172-16-21,23-25-24-22,0-1-2"},"ja3s":{"hash":"a27e76e64afe9199440ad714848966f8","string":"771,49195,65281-11-16"},"ja4":"t12d8008h2_9cedc1f1428b_046e095b7c4a"}"#,
    ),
    (
        "ecdhe.0",
        r#"{"subject":"C=US, ST=California, L=Mountain View, O=Google Inc, CN=*.google.com","issuerdn":"C=US, O=Google Inc, CN=Google Internet Authority G2","serial":"1E:58:FD:C1:2D:E4:C7:03","fingerprint":"e2:fb:07:71:ee:6f:c0:d0:e3:24:bc:86:3c:02:b5:79:21:25:7c:86","version":"TLS 1.2","notbefore":"2014-04-09T12:05:08","notafter":"2014-07-08T00:00:00","ja3":{"hash":"29d8afc9e0a4d38d138ec2643966815f","string":"771,49172-255,11-10-35-13-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2"},"ja3s":{"hash":"a8d2a5625ef8f3aada2fb53dad3f2921","string":"771,49172,65281-11-35"},"ja4":"t12i020500_d0ac5cb1209a_a1e935682795"}"#,
    ),
    (
        "heartbleed.0",
        r#"{"subject":"C=US, CN=www.lilawelt.net, Email=denicadmmail@arcor.de","issuerdn":"C=IL, O=StartCom Ltd., OU=Secure Digital Certificate Signing, CN=StartCom Class 1 Primary Intermediate Server CA","serial":"0F:79:CB","fingerprint":"c3:d4:82:26:a8:f9:4d:3b:bb:49:91:8a:c0:21:87:49:32:58:e7:4e","version":"TLS 1.2","notbefore":"2014-03-30T09:29:15","notafter":"2015-03-31T07:15:52","ja3":{"hash":"0fbff214b79f536d55d3d39fb31f4d8d","string":"771,4-5-10-13-16-19-22-47-48-49-50-51-53-54-55-56-57-60-61-62-63-64-65-68-69-102-103-104-105-106-107-132-135-136-150-156-157-158-159-255-49154-49155-49156-49157-49159-49160-49161-49162-49164-49165-49166-49167-49169-49170-49171-49172-49187-49188-49191-49195-49196-49199-49201-49202,11-10-13-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0"},"ja3s":{"hash":"a95ca7eab4d47d051a5cd4fb7b6005dc","string":"771,49199,65281-11-15"},"ja4":"t12i640400_2797659a203c_354ff7b397c3"}"#,
    ),
    (
        "hrr.0",
        r#"{"version":"TLS 1.3","ja3":{"hash":"0f14b679807628ec7f9c02cada3ee941","string":"771,4866-4867-4865-255,11-10-35-22-23-13-43-45-51,21-23-24,0-1-2"},"ja3s":{"hash":"15af977ce25de452b96affa2addb1036","string":"771,4866,43-51"},"ja4":"t13i040900_16476d049b0b_78f1d400d464"}"#,
    ),
    (
        "ocsp-stapling-twimg.0",
        r#"{"subject":"C=US, ST=California, L=San Francisco, O=Twitter, Inc., CN=si0.twimg.com","issuerdn":"C=US, O=DigiCert Inc, OU=www.digicert.com, CN=DigiCert High Assurance CA-3","serial":"0C:1A:F6:34:FD:9B:D1:97:24:5C:7D:54:B4:FD:3B:8A","fingerprint":"3b:b7:9e:eb:8c:6e:08:67:f2:f9:e5:13:fe:ff:97:6d:c2:f1:14:3f","version":"TLSv1","notbefore":"2014-02-26T00:00:00","notafter":"2016-03-01T12:00:00","ja3":{"hash":"f56d709a70a6c5926d131c97afed4fed","string":"769,49172-49162-57-56-136-135-49167-49157-53-132-49171-49161-51-50-154-153-69-68-49166-49156-47-150-65-7-49169-49159-49164-49154-5-4-49170-49160-22-19-49165-49155-10-21-18-9-20-17-8-6-3-255,11-10-35-5-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2"},"ja3s":{"hash":"eb9981788bd592e306dffc1ba486bbad","string":"769,49169,65281-11-35-5-15"},"ja4":"t10i460500_234845559c90_ec32d1e6a5c0"}"#,
    ),
    (
        "signed_certificate_timestamp.0",
        r#"{"subject":"OU=Domain Control Validated, OU=PositiveSSL, CN=ritter.vg","issuerdn":"C=GB, ST=Greater Manchester, L=Salford, O=COMODO CA Limited, CN=COMODO RSA Domain Validation Secure Server CA","serial":"7B:60:CD:98:58:4A:56:EC:9C:21:45:C4:0C:54:F8:30","fingerprint":"53:fd:39:6c:74:4d:64:06:07:7d:3b:0c:4e:b0:6e:af:dd:78:f4:42","sni":"ritter.vg","version":"TLS 1.2","notbefore":"2014-07-31T00:00:00","notafter":"2019-07-30T23:59:59","ja3":{"hash":"b1afe2c6450b5e4734275e639199d5fe","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-52244-52243-49171-49172-156-157-47-53-10,65281-0-23-35-13-5-18-16-30032-11-40-45-43-10-24-21,29-23-24,0"},"ja3s":{"hash":"c6fb5c8105271d5fb88ecf79cac4e1d5","string":"771,49199,0-65281-11-35-5-18-16"},"ja4":"t00d1816h2_a30347de7a75_8cbc9340e09a"}"#,
    ),
    (
        "ssl.v3.0",
        r#"{"subject":"C=DE, ST=Bayern, L=Muenchen, O=AGIS Allianz Dresdner Informationssysteme GmbH, OU=Terms of use at www.verisign.com/rpa (c)00, CN=www.dresdner-privat.de","issuerdn":"O=VeriSign Trust Network, OU=VeriSign, Inc., OU=VeriSign International Server CA - Class 3, OU=www.verisign.com/CPS Incorp.by Ref. LIABILITY LTD.(c)97 VeriSign","serial":"04:A7:81:16:F0:03:28:3B:DA:2B:84:62:04:9F:9E:CB","fingerprint":"2c:32:2a:e2:b7:fe:91:39:13:45:e0:70:b6:36:68:97:8b:b1:c9:da","version":"TLSv1","notbefore":"2006-11-14T00:00:00","notafter":"2007-11-14T23:59:59","ja3s":{"hash":"53611273a714cb4789c8222932efd5a7","string":"769,4,"}}"#,
    ),
    (
        "ssl.v3.1",
        r#"{"subject":"C=DE, ST=Bayern, L=Muenchen, O=AGIS Allianz Dresdner Informationssysteme GmbH, OU=Terms of use at www.verisign.com/rpa (c)00, CN=www.dresdner-privat.de","issuerdn":"O=VeriSign Trust Network, OU=VeriSign, Inc., OU=VeriSign International Server CA - Class 3, OU=www.verisign.com/CPS Incorp.by Ref. LIABILITY LTD.(c)97 VeriSign","serial":"04:A7:81:16:F0:03:28:3B:DA:2B:84:62:04:9F:9E:CB","fingerprint":"2c:32:2a:e2:b7:fe:91:39:13:45:e0:70:b6:36:68:97:8b:b1:c9:da","version":"TLSv1","notbefore":"2006-11-14T00:00:00","notafter":"2007-11-14T23:59:59","ja3":{"hash":"716b10339fb8cc7be0f1e2e7187c73e8","string":"769,57-56-53-51-50-4-5-47-22-19-65279-10-21-18-65278-9-100-98-3-6,,,"},"ja3s":{"hash":"53611273a714cb4789c8222932efd5a7","string":"769,4,"},"ja4":"t10i200000_6c5778701a4a_d2e2adf7177b"}"#,
    ),
    (
        "telesec.0",
        r#"{"subject":"C=DE, O=1&1 Mail & Media GmbH, ST=Rhineland-Palatinate, L=Montabaur, Email=server-certs@1und1.de, CN=imap.gmx.net","issuerdn":"C=DE, O=T-Systems International GmbH, OU=T-Systems Trust Center, ST=NRW, postalCode=57250, L=Netphen, streetAddress=Untere Industriestr. 20, CN=TeleSec ServerPass DE-1","serial":"33:9D:9E:D8:E7:39:27:C9","fingerprint":"0f:e8:ea:e2:48:87:df:8e:fe:f2:84:59:fe:d0:fc:1c:46:24:85:f5","version":"TLS 1.2","notbefore":"2013-11-12T10:17:31","notafter":"2016-11-17T23:59:59","ja3":{"hash":"455bd65d382d4741f0e48654f27cbe80","string":"771,49200-49196-49192-49188-49172-49162-165-163-161-159-107-106-105-104-57-56-55-54-136-135-134-133-49202-49198-49194-49190-49167-49157-157-61-53-132-49199-49195-49191-49187-49171-49161-164-162-160-158-103-64-63-62-51-50-49-48-154-153-152-151-69-68-67-66-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-49170-49160-22-19-16-13-49165-49155-10-255,11-10-35-13-15,23-25-28-27-24-26-22-14-13-11-12-9-10,0-1-2"},"ja3s":{"hash":"0debd3853f330c574b05e0b6d882dc27","string":"771,49200,65281-11"},"ja4":"t12i860500_e18388e7f3a3_a1e935682795"}"#,
    ),
    (
        "tls-1.2-handshake-failure.0",
        r#"{"version":"TLS 1.2","ja3":{"hash":"62bd27c43a9a4d7fcbc45d8c9e7e04dd","string":"771,49168-49158-49173-49163-49153-59-2-1-255,11-10-35-13-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2"},"ja4":"t12i090500_de31b28e7183_a1e935682795"}"#,
    ),
    (
        "tls-1.2-stream-keylog.0",
        r#"{"subject":"CN=www.heise.de","issuerdn":"C=GB, ST=Greater Manchester, L=Salford, O=Sectigo Limited, CN=Sectigo RSA Domain Validation Secure Server CA","serial":"00:A0:19:44:86:08:54:6F:F9:02:71:18:45:DB:AD:8A:BC","fingerprint":"17:67:3d:20:c9:2a:d9:44:6f:db:6c:5e:ed:41:71:6a:71:a6:cf:37","sni":"www.heise.de","version":"TLS 1.2","notbefore":"2020-03-12T00:00:00","notafter":"2022-06-10T23:59:59","ja3":{"hash":"579ccef312d18482fc42e2b822ca2430","string":"771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-156-157-47-53,0-23-65281-10-11-35-16-5-34-51-43-13-45-28-21,29-23-24-25-256-257,0"},"ja3s":{"hash":"953e28364e4bd093e9de5afe980cfe7c","string":"771,49200,65281-0-16-11-23"},"ja4":"t13d1715h1_5b57614c22b0_3d5424432f57"}"#,
    ),
    (
        "tls-13draft19-early-data.0",
        r#"{"version":"TLS 1.3 draft-19","ja3":{"hash":"7e39335db773838c84df131a7658a1f9","string":"771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-4866-4867-4865-61-60-53-47-255,11-10-35-13-22-23-43-45-40,29-23-25-24,0-1-2"},"ja3s":{"hash":"cd05e941742c0d4f628a68716ca021f9","string":"32531,4866,40"},"ja4":"t00i310900_e8f1e7e78f70_c5203e7bca43"}"#,
    ),
    (
        "tls-13draft19-early-data.1",
        r#"{"version":"TLS 1.3 draft-19","ja3":{"hash":"ed9124b23109dcaafd6ee8658fd49284","string":"771,49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-4866-4867-4865-61-60-53-47-255,11-10-35-13-22-23-43-45-40-42-41,29-23-25-24,0-1-2"},"ja3s":{"hash":"98608fd44e22395cd5b24412b9b24ba7","string":"32531,4866,40-41"},"ja4":"t00i311100_e8f1e7e78f70_b3ab037a06c5"}"#,
    ),
    (
        "tls-fragmented-handshake.0",
        r#"{"subject":"CN=Bro","issuerdn":"CN=Bro","serial":"00:C8:BC:D2:FE:44:49:B8:B3","fingerprint":"fa:91:e3:f3:39:8a:e9:66:dd:0b:64:d5:e7:c1:6f:34:ad:a9:c9:d6","sni":"104.236.167.107","version":"TLS 1.2","notbefore":"2015-03-11T23:27:53","notafter":"2016-03-10T23:27:53","ja3":{"hash":"799135475da362592a4be9199d258726","string":"771,255-49188-49187-49162-49161-49160-49192-49191-49172-49171-49170-49190-49189-49157-49156-49155-49194-49193-49167-49166-49165-107-103-57-51-22-61-60-53-47-10-49159-49169-49154-49164-5-4,0-10-11-13-13172,23-24-25,0"},"ja3s":{"hash":"9099266b09da09a1d9e1839ae9ad5682","string":"771,49192,65281-11"},"ja4":"t12d370500_07a749158664_d075105c1994"}"#,
    ),
    (
        "tls1.2.0",
        r#"{"subject":"C=US, postalCode=94568, ST=CA, L=Dublin, streetAddress=Suite 400, streetAddress=4140 Dublin Boulevard, O=Taleo Inc., OU=Web, OU=Comodo PremiumSSL Wildcard, CN=*.taleo.net","issuerdn":"C=GB, ST=Greater Manchester, L=Salford, O=COMODO CA Limited, CN=COMODO High-Assurance Secure Server CA","serial":"00:99:FA:A8:03:7A:4E:B2:FA:EF:84:EB:5E:55:D5:B8:C8","fingerprint":"33:67:a1:82:4a:60:13:c0:2a:3e:25:bb:e4:da:86:33:87:fa:f1:34","version":"TLS 1.2","notbefore":"2011-05-04T00:00:00","notafter":"2016-07-04T23:59:59","ja3":{"hash":"bd9c99b3a0f752c3ab8b052a79e9de3e","string":"771,49200-49196-49192-49188-49172-49162-49186-49185-163-159-107-106-57-56-136-135-49202-49198-49194-49190-49167-49157-157-61-53-132-49170-49160-49180-49179-22-19-49165-49155-10-49199-49195-49191-49187-49171-49161-49183-49182-162-158-103-64-51-50-154-153-69-68-49201-49197-49193-49189-49166-49156-156-60-47-150-65-7-49169-49159-49164-49154-5-4-21-18-9-20-17-8-6-3-255,11-10-35-13-15,14-13-25-11-12-24-9-10-22-23-8-6-7-20-21-4-5-18-19-1-2-3-15-16-17,0-1-2"},"ja3s":{"hash":"c253ec3ad88e42f8da4032682892f9a0","string":"771,4,65281"},"ja4":"t12i800500_15c493246000_3eafcbe19126"}"#,
    ),
    (
        "tls12-decryption.0",
        r#"{"subject":"CN=heise.de","issuerdn":"C=US, O=Let's Encrypt, CN=R3","serial":"03:1E:FA:30:67:08:55:68:5D:ED:55:4B:72:07:00:5B:56:C6","fingerprint":"bf:c2:bd:67:7d:9c:ee:f3:4b:80:27:b5:6e:0e:b3:8e:f3:ed:22:11","sni":"heise.de","version":"TLS 1.2","notbefore":"2021-03-22T13:32:15","notafter":"2021-06-20T13:32:15","ja3":{"hash":"7850fef8eca29f3f885216d7b8929cb5","string":"771,49200,0-23-65281-10-11-35-16-5-51-43-13-45-28-21,29-23-24-25-256-257,0"},"ja3s":{"hash":"d154fcfa5bb4f0748e1dd1992c681104","string":"771,49200,65281-0-11-35-16-23"},"ja4":"t13d0114h2_a17193ba21fd_d267a5f792d4"}"#,
    ),
    (
        "tls13-ech.1",
        r#"{"sni":"cloudflare-ech.com","version":"TLS 1.3","ja3":{"hash":"2fcbf8655473005933c5869b2b5d8044","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,65281-16-13-51-45-17513-35-43-10-65037-23-5-18-11-0-27-21,29-23-24,0"},"ja3s":{"hash":"f4febc55ea12b31ae17cfb7e614afda8","string":"771,4865,43-51"},"ja4":"t13d1517h2_8daaf6152771_b1ff8ab2d16f"}"#,
    ),
    (
        "tls13-ech.2",
        r#"{"sni":"cloudflare-ech.com","version":"TLS 1.3","ja3":{"hash":"fa58f5ffd45a2d590a1677134966dc64","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53,10-35-17513-11-65037-65281-18-5-13-27-45-23-0-16-43-51-21,29-23-24,0"},"ja3s":{"hash":"f4febc55ea12b31ae17cfb7e614afda8","string":"771,4865,43-51"},"ja4":"t13d1517h2_8daaf6152771_b1ff8ab2d16f"}"#,
    ),
    (
        "tls13_psk_succesfull.0",
        r#"{"version":"TLS 1.3","ja3":{"hash":"b564664050e32957639f6833f37e86df","string":"771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-173-171-52398-52397-52396-157-169-52395-172-170-156-168-61-60-49208-49206-183-179-149-145-53-175-141-49207-49205-182-178-148-144-47-174-140-255,11-10-35-22-23-13-43-45-51-41,29-23-30-25-24,0-1-2"},"ja3s":{"hash":"b4f2541b0a0b815edb08e1c3ffe8aad8","string":"771,4867,43-51-41"},"ja4":"t13i571000_131602cb7446_a11995863d32"}"#,
    ),
    (
        "tls13draft16-chrome55.0.2879.0-canary.0",
        r#"{"version":"TLS 1.3 draft-<16","ja3":{"hash":"1bbe072c914653f5696401459ca0f9b8","string":"771,49195-49199-49196-49200-52393-52392-52244-52243-49161-49171-49162-49172-156-157-47-53-10,65281-23-35-13-5-18-16-30032-11-40-43-10-24-21,29-23-24,0"},"ja3s":{"hash":"9ce213de238ed8aea57e81e02c0e4882","string":"32526,52393,40"},"ja4":"t12i1714h2_67e6df579eba_1c40c51c0bfd"}"#,
    ),
    (
        "tls13draft16-ff52.a01.0",
        r#"{"version":"TLS 1.3 draft-16","ja3":{"hash":"7475b427c2658e9ae2388737ecc29164","string":"771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-51-57-47-53-10,23-65281-10-11-35-16-5-18-40-43-13-21,29-23-24-25-256-257,0"},"ja3s":{"hash":"ddc938d7dbdf21719feb5ed34c1d267d","string":"32528,4867,13-40"},"ja4":"t00i1812h2_29a2cd9e9f10_410211a62323"}"#,
    ),
    (
        "tls13draft16-ff52.a01.1",
        r#"{"version":"TLS 1.3 draft-16","ja3":{"hash":"7475b427c2658e9ae2388737ecc29164","string":"771,4865-4867-4866-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-51-57-47-53-10,23-65281-10-11-35-16-5-18-40-43-13-21,29-23-24-25-256-257,0"},"ja3s":{"hash":"ddc938d7dbdf21719feb5ed34c1d267d","string":"32528,4867,13-40"},"ja4":"t00i1812h2_29a2cd9e9f10_410211a62323"}"#,
    ),
    (
        "tls13draft23-chrome67.0.3368.0-canary.0",
        r#"{"sni":"tls13.crypto.mozilla.org","version":"TLS 1.3 draft-23","ja3":{"hash":"6cb345f0f89fe97b1dfad775b52d5cf2","string":"771,4865-4866-4867-49195-49199-49196-49200-52393-52392-49171-49172-156-157-47-53-10,65281-0-23-35-13-5-18-16-30032-11-51-45-43-10-24-21,29-23-24,0"},"ja3s":{"hash":"eb1d94daa7e0344597e756a1fb6e7054","string":"771,4865,51-43"},"ja4":"t00d1616h2_46e7e9700bed_420f9a5d0665"}"#,
    ),
    (
        "tls1_1.0",
        r#"{"subject":"C=US, ST=California, L=Mountain View, O=Google Inc, CN=*.google.com","issuerdn":"C=US, O=Google Inc, CN=Google Internet Authority G2","serial":"3D:1D:E4:4E:34:6E:CE:68","fingerprint":"b4:53:69:7b:78:df:7c:52:2c:3e:2b:fc:88:9b:7f:a6:67:49:03:ca","version":"TLS 1.1","notbefore":"2017-11-01T13:48:56","notafter":"2018-01-24T13:31:00","ja3":{"hash":"5eb6e1fe80f696450a62a48bb3d6a965","string":"770,49172-49162-57-56-55-54-136-135-134-133-49167-49157-53-132-49171-49161-51-50-49-48-154-153-152-151-69-68-67-66-49166-49156-47-150-65-7-49169-49159-49164-49154-5-4-49170-49160-22-19-16-13-49165-49155-10-255,11-10-35-15,23-25-28-27-24-26-22-14-13-11-12-9-10,0-1-2"},"ja3s":{"hash":"b5237e0430ad71aac52aa90b6627cb5f","string":"770,49171,65281-35-11"},"ja4":"t11i500400_59a6c70126c8_e190e6f68b9b"}"#,
    ),
    (
        "tor_bl.0",
        r#"{"sni":"www.4gk67zpn3brh7qxg.com","version":"TLS 1.3","ja3":{"hash":"140e0f0cad708278ade0984528fe8493","string":"771,4866-4867-4865-49195-49199-52393-52392-49196-49200-49162-49161-49171-49172-51-57-47-53-255,0-11-10-35-22-23-13-43-45-51-21,23-21,0-1-2"},"ja3s":{"hash":"15af977ce25de452b96affa2addb1036","string":"771,4866,43-51"},"ja4":"t13d181100_6c2ba73853a4_24695f2957a7"}"#,
    ),
    (
        "x509-generalizedtime.0",
        r#"{"subject":"C=NL, O=Bro, CN=bro-generalizedtime-test","issuerdn":"C=NL, O=Bro, CN=bro-generalizedtime-test","serial":"03:E8","fingerprint":"46:7a:04:0e:71:ce:cb:61:00:e8:39:1a:ad:eb:e0:8a:4f:50:12:90","version":"TLS 1.2","notbefore":"2015-09-01T13:33:37","notafter":"2025-09-01T13:33:37","ja3":{"hash":"c96765c83593fd0dc841af01adbbec99","string":"771,255-49188-49187-49162-49161-49160-49192-49191-49172-49171-49170-49190-49189-49157-49156-49155-49194-49193-49167-49166-49165-107-103-57-51-22-61-60-53-47-10-49159-49169-49154-49164-5-4-175-174-141-140-138-139,10-11-13,23-24-25,0"},"ja3s":{"hash":"9099266b09da09a1d9e1839ae9ad5682","string":"771,49192,65281-11"},"ja4":"t12i430300_8edfce159866_e64f6000bf4d"}"#,
    ),
];

/// (fixture, tshark 4.0.17's tls.handshake.extensions_server_name, ja3, ja3s; "" = none).
const TSHARK: &[(&str, &str, &str, &str)] = &[
    (
        "cert-no-cn.0",
        "",
        "6eca5d94b8020b2a51d96384782083b9",
        "ae7ebaa87c327353949114a3b85f13cc",
    ),
    (
        "certificate-with-sct.0",
        "www.lilawelt.net",
        "fd80fa9c6120cdeea8520510f3c644ac",
        "56708b0224af887c7d3020e7bde205e5",
    ),
    (
        "chrome-1250-tls-x25519-kyber.0",
        "lh3.google.com",
        "9d33d8206d4fec4c8b1423c728f4cd3c",
        "eb1d94daa7e0344597e756a1fb6e7054",
    ),
    (
        "chrome-34-google.0",
        "google.de",
        "a607f3a5c94c2ee592af1456f36c8367",
        "9f5e2e0d84076af5475bbe44debdb03e",
    ),
    (
        "chrome-63.0.3211.0-canary-tls_experiment.0",
        "tls.ctf.network",
        "d601fa961e06cde8d2862c0613a425f9",
        "d9f520f64c0731564298ee69133d59d2",
    ),
    (
        "client-certificate.0",
        "certauth.idrix.fr",
        "579ccef312d18482fc42e2b822ca2430",
        "d154fcfa5bb4f0748e1dd1992c681104",
    ),
    (
        "dhe.0",
        "",
        "de84fb3130387884de22865d3d39d347",
        "baf6ae54beddc6b7cd8b02c8feb62ffe",
    ),
    (
        "dump_mtu300.0",
        "www.google.com",
        "a64c29923906f2a1be278be1da0714fa",
        "a27e76e64afe9199440ad714848966f8",
    ),
    (
        "ecdhe.0",
        "",
        "29d8afc9e0a4d38d138ec2643966815f",
        "a8d2a5625ef8f3aada2fb53dad3f2921",
    ),
    (
        "heartbleed.0",
        "",
        "0fbff214b79f536d55d3d39fb31f4d8d",
        "a95ca7eab4d47d051a5cd4fb7b6005dc",
    ),
    (
        "hrr.0",
        "",
        "0f14b679807628ec7f9c02cada3ee941",
        "15af977ce25de452b96affa2addb1036",
    ),
    (
        "ocsp-stapling-twimg.0",
        "",
        "f56d709a70a6c5926d131c97afed4fed",
        "eb9981788bd592e306dffc1ba486bbad",
    ),
    (
        "signed_certificate_timestamp.0",
        "ritter.vg",
        "b1afe2c6450b5e4734275e639199d5fe",
        "c6fb5c8105271d5fb88ecf79cac4e1d5",
    ),
    ("ssl.v3.0", "", "", "53611273a714cb4789c8222932efd5a7"),
    (
        "ssl.v3.1",
        "",
        "716b10339fb8cc7be0f1e2e7187c73e8",
        "53611273a714cb4789c8222932efd5a7",
    ),
    (
        "telesec.0",
        "",
        "455bd65d382d4741f0e48654f27cbe80",
        "0debd3853f330c574b05e0b6d882dc27",
    ),
    (
        "tls-1.2-handshake-failure.0",
        "",
        "62bd27c43a9a4d7fcbc45d8c9e7e04dd",
        "",
    ),
    (
        "tls-1.2-stream-keylog.0",
        "www.heise.de",
        "579ccef312d18482fc42e2b822ca2430",
        "953e28364e4bd093e9de5afe980cfe7c",
    ),
    (
        "tls-13draft19-early-data.0",
        "",
        "7e39335db773838c84df131a7658a1f9",
        "cd05e941742c0d4f628a68716ca021f9",
    ),
    (
        "tls-13draft19-early-data.1",
        "",
        "ed9124b23109dcaafd6ee8658fd49284",
        "98608fd44e22395cd5b24412b9b24ba7",
    ),
    (
        "tls-fragmented-handshake.0",
        "104.236.167.107",
        "799135475da362592a4be9199d258726",
        "9099266b09da09a1d9e1839ae9ad5682",
    ),
    (
        "tls1.2.0",
        "",
        "bd9c99b3a0f752c3ab8b052a79e9de3e",
        "c253ec3ad88e42f8da4032682892f9a0",
    ),
    (
        "tls12-decryption.0",
        "heise.de",
        "7850fef8eca29f3f885216d7b8929cb5",
        "d154fcfa5bb4f0748e1dd1992c681104",
    ),
    (
        "tls13-ech.1",
        "cloudflare-ech.com",
        "2fcbf8655473005933c5869b2b5d8044",
        "f4febc55ea12b31ae17cfb7e614afda8",
    ),
    (
        "tls13-ech.2",
        "cloudflare-ech.com",
        "fa58f5ffd45a2d590a1677134966dc64",
        "f4febc55ea12b31ae17cfb7e614afda8",
    ),
    (
        "tls13_psk_succesfull.0",
        "",
        "b564664050e32957639f6833f37e86df",
        "b4f2541b0a0b815edb08e1c3ffe8aad8",
    ),
    (
        "tls13draft16-chrome55.0.2879.0-canary.0",
        "",
        "1bbe072c914653f5696401459ca0f9b8",
        "9ce213de238ed8aea57e81e02c0e4882",
    ),
    (
        "tls13draft16-ff52.a01.0",
        "",
        "7475b427c2658e9ae2388737ecc29164",
        "ddc938d7dbdf21719feb5ed34c1d267d",
    ),
    (
        "tls13draft16-ff52.a01.1",
        "",
        "7475b427c2658e9ae2388737ecc29164",
        "ddc938d7dbdf21719feb5ed34c1d267d",
    ),
    (
        "tls13draft23-chrome67.0.3368.0-canary.0",
        "tls13.crypto.mozilla.org",
        "6cb345f0f89fe97b1dfad775b52d5cf2",
        "eb1d94daa7e0344597e756a1fb6e7054",
    ),
    (
        "tls1_1.0",
        "",
        "5eb6e1fe80f696450a62a48bb3d6a965",
        "b5237e0430ad71aac52aa90b6627cb5f",
    ),
    (
        "tor_bl.0",
        "www.4gk67zpn3brh7qxg.com",
        "140e0f0cad708278ade0984528fe8493",
        "15af977ce25de452b96affa2addb1036",
    ),
    (
        "x509-generalizedtime.0",
        "",
        "c96765c83593fd0dc841af01adbbec99",
        "9099266b09da09a1d9e1839ae9ad5682",
    ),
];

fn fixture(name: &str) -> (&'static [u8], &'static [u8]) {
    let (_, c, s) = FIXTURES
        .iter()
        .find(|(n, _, _)| *n == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    (c, s)
}

fn parse_whole(c2s: &[u8], s2c: &[u8]) -> TlsParser {
    let mut p = TlsParser::new();
    p.feed(ToServer, c2s);
    p.feed(ToClient, s2c);
    p
}

fn eve_value(rec: &TlsRecord) -> serde_json::Value {
    let mut out = b"{".to_vec();
    rec.write_eve_tls(&mut out);
    out.push(b'}');
    let v: serde_json::Value = serde_json::from_slice(&out).expect("valid JSON");
    v["tls"].clone()
}

/// Flows where Suricata 7.0.10's JA4 departs from the FoxIO spec (see [`Ja4Flavor::Suricata7`]),
/// with the spec value, computed independently in Python from tshark's dissection of the same
/// ClientHello following technical_details/JA4.md: unknown highest supported_version (0x7e01,
/// 0x7f0e) gives `00`; without signature algorithms JA4_c has no `_`; no extensions gives zeros.
const SPEC_JA4_DIFFERS: &[(&str, &str)] = &[
    (
        "chrome-63.0.3211.0-canary-tls_experiment.0",
        "t00d1616h2_46e7e9700bed_8cbc9340e09a",
    ),
    (
        "ocsp-stapling-twimg.0",
        "t10i460500_234845559c90_1145ce3ea6e0",
    ),
    ("ssl.v3.1", "t10i200000_6c5778701a4a_000000000000"),
    (
        "tls13draft16-chrome55.0.2879.0-canary.0",
        "t00i1714h2_67e6df579eba_1c40c51c0bfd",
    ),
    ("tls1_1.0", "t11i500400_59a6c70126c8_282f11336259"),
];

#[test]
fn eve_equals_suricata_on_corpus() {
    let mut failures = Vec::new();
    for (name, expected) in CORPUS {
        let (c, s) = fixture(name);
        let p = parse_whole(c, s);
        let got = eve_value(p.record());
        let mut want: serde_json::Value = serde_json::from_str(expected).unwrap();
        // Suricata's own JA4 must come out of the Suricata7 flavor.
        let suricata_ja4 = want["ja4"].as_str().map(str::to_owned);
        let ours = p
            .record()
            .client_hello
            .as_ref()
            .and_then(|ch| ja4_with(ch, Transport::Tcp, Ja4Flavor::Suricata7));
        if ours != suricata_ja4 {
            failures.push(format!(
                "{name}: suricata7 ja4 {ours:?} != {suricata_ja4:?}"
            ));
        }
        // EVE carries the spec JA4.
        if let Some((_, spec)) = SPEC_JA4_DIFFERS.iter().find(|(n, _)| n == name) {
            want["ja4"] = serde_json::Value::from(*spec);
        }
        // Its first certificate is 340 KB: beyond MAX_HANDSHAKE_LEN, so everything but the
        // fingerprint comes from the kept prefix (Suricata buffers the whole message).
        if *name == "tls-fragmented-handshake.0" {
            want.as_object_mut().unwrap().remove("fingerprint");
        }
        if got != want {
            failures.push(format!("{name}:\n  got  {got}\n  want {want}"));
        }
        assert_eq!(p.errors(), 0, "{name}: {:?}", p.last_error());
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn ja3_ja3s_sni_equal_tshark() {
    for (name, sni, ja3, ja3s) in TSHARK {
        let (c, s) = fixture(name);
        let rec = parse_whole(c, s).into_record();
        let got_sni = rec.sni().map(|s| String::from_utf8_lossy(s).into_owned());
        assert_eq!(got_sni.as_deref().unwrap_or(""), *sni, "{name} sni");
        assert_eq!(rec.ja3.as_ref().map_or("", |f| &f.hash), *ja3, "{name} ja3");
        assert_eq!(
            rec.ja3s.as_ref().map_or("", |f| &f.hash),
            *ja3s,
            "{name} ja3s"
        );
    }
}

#[test]
fn handshakes_finish_and_free_their_buffers() {
    for (name, c, s) in FIXTURES {
        let p = parse_whole(c, s);
        // That capture ends after the HelloRetryRequest: the server side waits for more.
        assert_eq!(p.is_done(), *name != "hrr.0", "{name}");
        assert_eq!(p.buffered_bytes(), 0, "{name}");
    }
}

/// Deterministic xorshift, so split tests need no extra crate and are reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Feeds both directions in pieces chosen by `split`, alternating directions as a TCP
/// reassembler might, and returns the parser.
fn parse_split(c2s: &[u8], s2c: &[u8], mut split: impl FnMut(usize) -> usize) -> TlsParser {
    let mut p = TlsParser::new();
    let (mut c, mut s) = (c2s, s2c);
    // The ClientHello comes first on the wire; give the client a head start.
    let first = split(c.len()).clamp(1, c.len().max(1)).min(c.len());
    p.feed(ToServer, &c[..first]);
    c = &c[first..];
    while !c.is_empty() || !s.is_empty() {
        if !s.is_empty() {
            let n = split(s.len()).clamp(1, s.len());
            p.feed(ToClient, &s[..n]);
            s = &s[n..];
        }
        if !c.is_empty() {
            let n = split(c.len()).clamp(1, c.len());
            p.feed(ToServer, &c[..n]);
            c = &c[n..];
        }
    }
    p
}

#[test]
fn any_split_gives_the_same_record() {
    for (name, c, s) in FIXTURES {
        let whole = parse_whole(c, s);
        let bytewise = parse_split(c, s, |_| 1);
        assert_eq!(bytewise.record(), whole.record(), "{name} byte by byte");
        assert_eq!(bytewise.is_done(), whole.is_done(), "{name}");
        for seed in 1..=8u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let random = parse_split(c, s, |left| 1 + rng.below(left.min(700)));
            assert_eq!(random.record(), whole.record(), "{name} seed {seed}");
            assert_eq!(random.errors(), whole.errors(), "{name} seed {seed}");
        }
    }
}

/// Re-frames one direction's leading handshake records so that each record carries at most
/// `max` handshake bytes (TLS allows any fragmentation of handshake messages).
fn refragment(stream: &[u8], max: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(hdr) = stream.get(i..i + 5) {
        let len = u16::from_be_bytes([hdr[3], hdr[4]]) as usize;
        let Some(body) = stream.get(i + 5..i + 5 + len) else {
            break;
        };
        if hdr[0] == 22 {
            for part in body.chunks(max) {
                out.extend_from_slice(&hdr[..3]);
                out.extend_from_slice(&(part.len() as u16).to_be_bytes());
                out.extend_from_slice(part);
            }
        } else {
            out.extend_from_slice(&stream[i..i + 5 + len]);
        }
        i += 5 + len;
    }
    out.extend_from_slice(&stream[i.min(stream.len())..]);
    out
}

#[test]
fn hello_spanning_records_gives_the_same_record() {
    for (name, c, s) in FIXTURES {
        if c.first() != Some(&22) {
            continue; // SSLv2 hello
        }
        let whole = parse_whole(c, s);
        for max in [1, 7, 100, 250] {
            let c2 = refragment(c, max);
            let s2 = refragment(s, max);
            if max == 1 {
                assert_ne!(c2, *c);
            }
            // Records under 4 bytes are Suricata's `tls.invalid_ssl_record`; the fields are
            // the same.
            let tiny = crate::events::AppEvent::TlsInvalidSslRecord;
            let without_tiny = |p: &TlsParser| {
                let mut r = p.record().clone();
                if max == 1 {
                    assert!(r.events[0].has(tiny), "{name}");
                }
                for side in &mut r.events {
                    *side = side.iter().filter(|&e| e != tiny).fold(
                        crate::events::AppEvents::NONE,
                        |mut a, e| {
                            a.set(e);
                            a
                        },
                    );
                }
                r
            };
            let p = parse_whole(&c2, &s2);
            assert_eq!(without_tiny(&p), *whole.record(), "{name} max {max}");
            let q = parse_split(&c2, &s2, |_| 3);
            assert_eq!(without_tiny(&q), *whole.record(), "{name} max {max} split");
        }
    }
}

#[test]
fn client_hello_in_two_records() {
    let (c, s) = fixture("chrome-1250-tls-x25519-kyber.0");
    let whole = parse_whole(c, s);
    let len = u16::from_be_bytes([c[3], c[4]]) as usize;
    let two = refragment(c, len / 2 + 1);
    assert_eq!(two[5 + len / 2 + 1], 22, "second record header");
    let p = parse_whole(&two, s);
    assert_eq!(p.record(), whole.record());
    assert_eq!(
        p.record().ja4.as_deref(),
        Some("t13d1516h2_8daaf6152771_02713d6af862")
    );
}

#[test]
fn fragmented_server_handshake_is_reassembled() {
    // The Certificate message (340 KB) spans many records and exceeds the buffer cap; the
    // fixture holds its first 48 KB; 32 KB are kept. Subject and issuer come from the kept prefix.
    let (c, s) = fixture("tls-fragmented-handshake.0");
    let p = parse_whole(c, s);
    let rec = p.record();
    let cert = rec.server_cert.as_ref().unwrap();
    assert_eq!(cert.subject, "CN=Bro");
    assert_eq!(cert.fingerprint, None);
    assert_eq!(rec.sni(), Some(&b"104.236.167.107"[..]));
}

#[test]
fn feeding_after_done_is_ignored() {
    let (c, s) = fixture("tls1.2.0");
    let mut p = parse_whole(c, s);
    assert!(p.is_done());
    let before = p.record().clone();
    p.feed(ToServer, &[0xff; 4096]);
    p.feed(ToClient, &[0x17, 3, 3, 0xff, 0xff]);
    p.gap(ToClient);
    assert_eq!(p.record(), &before);
    assert_eq!(p.errors(), 0);
    assert_eq!(p.gaps(), 0);
}

#[test]
fn tls13_server_is_done_after_server_hello() {
    let (c, s) = fixture("chrome-1250-tls-x25519-kyber.0");
    let mut p = TlsParser::new();
    p.feed(ToServer, c);
    assert!(p.is_direction_done(ToServer));
    assert!(!p.is_done());
    // ServerHello record only.
    let sh_len = 5 + u16::from_be_bytes([s[3], s[4]]) as usize;
    p.feed(ToClient, &s[..sh_len]);
    assert!(p.is_done());
    assert_eq!(p.record().version_name(), "TLS 1.3");
}

#[test]
fn hello_retry_request_waits_for_the_real_server_hello() {
    // The capture ends after the HelloRetryRequest (and the middlebox-compatibility CCS).
    let (c, s) = fixture("hrr.0");
    let p = parse_whole(c, s);
    let rec = p.record();
    let hrr = rec.hello_retry.as_ref().expect("HelloRetryRequest");
    assert!(hrr.hello_retry_request);
    assert_eq!(hrr.selected_version, Some(0x0304));
    assert!(rec.server_hello.is_none());
    assert!(!p.is_direction_done(ToClient));
    assert_eq!(rec.version_name(), "TLS 1.3");
}

#[test]
fn sslv2_compatible_client_hello() {
    let (c, s) = fixture("ssl.v3.0");
    assert_eq!(probe(c), Probe::Yes);
    let p = parse_whole(c, s);
    let ch = p.record().client_hello.as_ref().unwrap();
    assert!(ch.sslv2);
    assert!(!ch.ciphers.is_empty());
    assert!(p.record().ja3.is_none() && p.record().ja4.is_none());
}

#[test]
fn gap_before_client_hello_gives_up_that_side_only() {
    let (c, s) = fixture("tls1.2.0");
    let mut p = TlsParser::new();
    p.feed(ToServer, &c[..20]);
    assert!(p.buffered_bytes() > 0);
    p.gap(ToServer);
    assert!(p.is_direction_done(ToServer));
    assert_eq!(p.buffered_bytes(), 0);
    assert_eq!(p.gaps(), 1);
    p.feed(ToServer, &c[20..]);
    p.feed(ToClient, s);
    assert!(p.is_done());
    assert!(p.record().client_hello.is_none());
    assert!(p.record().server_cert.is_some());
    assert_eq!(p.errors(), 0);
}

#[test]
fn gap_mid_certificate_gives_up_cleanly() {
    let (c, s) = fixture("tls1.2.0");
    let mut p = TlsParser::new();
    p.feed(ToServer, c);
    p.feed(ToClient, &s[..s.len() / 2]);
    p.gap(ToClient);
    p.feed(ToClient, &s[s.len() / 2 + 10..]);
    assert!(p.is_done());
    assert_eq!(p.buffered_bytes(), 0);
    assert!(p.record().server_hello.is_some());
    assert!(p.record().server_cert.is_none());
}

#[test]
fn non_tls_input_is_an_error_not_a_panic() {
    let mut p = TlsParser::new();
    p.feed(ToServer, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(p.is_direction_done(ToServer));
    assert_eq!(p.last_error(), Some(TlsError::BadRecordHeader));
    let mut p = TlsParser::new();
    p.feed(ToServer, &[22, 3, 1, 0xff, 0xff]);
    assert_eq!(p.last_error(), Some(TlsError::RecordTooLong));
    // A ClientHello larger than the handshake cap.
    let mut p = TlsParser::new();
    let mut msg = vec![HS_CLIENT_HELLO, 0x01, 0x00, 0x01];
    msg.resize(4 + 0x10001, 0);
    p.feed(ToServer, &refragment_raw(&msg));
    assert_eq!(p.last_error(), Some(TlsError::HandshakeTooLong));
    assert_eq!(p.buffered_bytes(), 0);
}

/// Wraps handshake bytes into maximal TLS 1.2 handshake records.
fn refragment_raw(hs: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for part in hs.chunks(16384) {
        out.extend_from_slice(&[22, 3, 3]);
        out.extend_from_slice(&(part.len() as u16).to_be_bytes());
        out.extend_from_slice(part);
    }
    out
}

#[test]
fn huge_certificate_chain_keeps_memory_bounded() {
    // A Certificate message of ~200 KB whose first certificate is garbage: the parser keeps at
    // most MAX_HANDSHAKE_LEN of it and counts one certificate error.
    let mut p = TlsParser::new();
    let (c, s) = fixture("tls1.2.0");
    p.feed(ToServer, c);
    let sh_len = 5 + u16::from_be_bytes([s[3], s[4]]) as usize;
    p.feed(ToClient, &s[..sh_len]);
    let body_len = 200_000usize;
    let mut msg = vec![HS_CERTIFICATE];
    msg.extend_from_slice(&(body_len as u32).to_be_bytes()[1..]);
    msg.resize(4 + body_len, 0x41);
    let recs = refragment_raw(&msg);
    let mut peak = 0;
    for piece in recs.chunks(1000) {
        p.feed(ToClient, piece);
        peak = peak.max(p.buffered_bytes());
    }
    assert!(peak <= MAX_HANDSHAKE_LEN + 4096, "peak {peak}");
    assert!(p.is_done());
    assert_eq!(p.last_error(), Some(TlsError::MalformedCertificate));
}

#[test]
fn probe_on_corpus_and_prefixes() {
    for (name, c, s) in FIXTURES {
        assert_eq!(probe(c), Probe::Yes, "{name}");
        for n in 0..10.min(c.len()) {
            assert_ne!(probe(&c[..n]), Probe::No, "{name} prefix {n}");
        }
        assert_ne!(probe(s), Probe::Yes, "{name} server side");
    }
    assert_eq!(probe(b"GET / HTTP/1.1\r\n"), Probe::No);
    assert_eq!(probe(b"SSH-2.0-OpenSSH"), Probe::No);
    assert_eq!(probe(&[22, 3, 1, 0, 100, 2]), Probe::No);
    assert_eq!(probe(&[22, 3]), Probe::NeedMore);
    assert_eq!(probe(&[]), Probe::NeedMore);
}

/// Serialises a ClientHello (TLS record included) for tests that start from fields.
fn client_hello_bytes(ch: &ClientHello) -> Vec<u8> {
    fn v16(out: &mut Vec<u8>, items: &[u16]) {
        out.extend_from_slice(&((items.len() * 2) as u16).to_be_bytes());
        for i in items {
            out.extend_from_slice(&i.to_be_bytes());
        }
    }
    let mut body = ch.version.to_be_bytes().to_vec();
    body.extend_from_slice(&[7; 32]);
    body.push(0);
    v16(&mut body, &ch.ciphers);
    body.extend_from_slice(&[1, 0]);
    let mut exts = Vec::new();
    for &e in &ch.extensions {
        let mut data = Vec::new();
        match e {
            0x0000 => {
                let sni = ch.sni.clone().unwrap_or_default();
                data.extend_from_slice(&((sni.len() + 3) as u16).to_be_bytes());
                data.push(0);
                data.extend_from_slice(&(sni.len() as u16).to_be_bytes());
                data.extend_from_slice(&sni);
            }
            0x000a => v16(&mut data, &ch.groups),
            0x000d => v16(&mut data, &ch.sig_algs),
            0x0010 => {
                let list: Vec<u8> = ch
                    .alpn
                    .iter()
                    .flat_map(|p| std::iter::once(p.len() as u8).chain(p.iter().copied()))
                    .collect();
                data.extend_from_slice(&(list.len() as u16).to_be_bytes());
                data.extend_from_slice(&list);
            }
            0x002b => {
                data.push((ch.supported_versions.len() * 2) as u8);
                for v in &ch.supported_versions {
                    data.extend_from_slice(&v.to_be_bytes());
                }
            }
            _ => {}
        }
        exts.extend_from_slice(&e.to_be_bytes());
        exts.extend_from_slice(&(data.len() as u16).to_be_bytes());
        exts.extend_from_slice(&data);
    }
    body.extend_from_slice(&(exts.len() as u16).to_be_bytes());
    body.extend_from_slice(&exts);
    let mut msg = vec![HS_CLIENT_HELLO];
    msg.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    msg.extend_from_slice(&body);
    refragment_raw(&msg)
}

#[test]
fn ja4_spec_example_from_wire_bytes() {
    // The JA4 specification's worked example (FoxIO-LLC/ja4 technical_details/JA4.md), with
    // GREASE added to every list as a browser would send it.
    let mut ch = super::ja4::tests::spec_example();
    ch.ciphers.insert(0, 0x2a2a);
    ch.extensions.insert(0, 0x3a3a);
    ch.extensions.push(0x4a4a);
    ch.groups = vec![0x5a5a, 0x001d, 0x0017];
    ch.sig_algs.insert(0, 0x6a6a);
    ch.supported_versions.insert(0, 0x7a7a);
    let wire = client_hello_bytes(&ch);
    assert_eq!(probe(&wire), Probe::Yes);
    let mut p = TlsParser::new();
    p.feed(ToServer, &wire);
    let rec = p.record();
    assert_eq!(rec.sni(), Some(&b"example.com"[..]));
    assert_eq!(
        rec.ja4.as_deref(),
        Some("t13d1516h2_8daaf6152771_e5627efa2ab1")
    );
    let parsed = rec.client_hello.as_ref().unwrap();
    assert_eq!(parsed.ciphers, ch.ciphers);
    assert_eq!(parsed.extensions, ch.extensions);
    assert_eq!(parsed.alpn, ch.alpn);
}

fn eve_is_json(p: &TlsParser) -> bool {
    let mut out = b"{".to_vec();
    p.write_eve_tls(&mut out);
    out.push(b'}');
    serde_json::from_slice::<serde_json::Value>(&out).is_ok()
}

fn splits_strategy() -> impl Strategy<Value = Vec<usize>> {
    prop::collection::vec(1usize..600, 1..40)
}

fn feed_in_splits(p: &mut TlsParser, dir: crate::app::Direction, data: &[u8], splits: &[usize]) {
    let mut rest = data;
    let mut i = 0;
    while !rest.is_empty() {
        let n = splits[i % splits.len()].min(rest.len());
        p.feed(dir, &rest[..n]);
        rest = &rest[n..];
        i += 1;
        assert!(p.buffered_bytes() <= 2 * MAX_HANDSHAKE_LEN);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(
        c in prop::collection::vec(any::<u8>(), 0..3000),
        s in prop::collection::vec(any::<u8>(), 0..3000),
        splits in splits_strategy(),
        gap_at in prop::option::of(0usize..3000),
    ) {
        let _ = probe(&c);
        let mut p = TlsParser::new();
        feed_in_splits(&mut p, ToServer, &c, &splits);
        if let Some(g) = gap_at {
            p.feed(ToClient, &s[..g.min(s.len())]);
            p.gap(ToClient);
        }
        feed_in_splits(&mut p, ToClient, &s, &splits);
        prop_assert!(eve_is_json(&p));
    }

    #[test]
    fn arbitrary_bytes_after_a_tls_header_never_panic(
        ty in 20u8..=24,
        body in prop::collection::vec(any::<u8>(), 0..4000),
        splits in splits_strategy(),
    ) {
        // Valid record framing around random handshake content reaches the hello parsers.
        let mut data = vec![ty, 3, 3];
        data.extend_from_slice(&(body.len() as u16).to_be_bytes());
        data.extend_from_slice(&body);
        let mut p = TlsParser::new();
        feed_in_splits(&mut p, ToServer, &data, &splits);
        feed_in_splits(&mut p, ToClient, &data, &splits);
    }

    #[test]
    fn real_handshakes_in_random_splits_parse_the_same(
        idx in 0usize..64,
        c_splits in splits_strategy(),
        s_splits in splits_strategy(),
    ) {
        let (name, c, s) = FIXTURES[idx % FIXTURES.len()];
        let whole = parse_whole(c, s);
        let mut p = TlsParser::new();
        feed_in_splits(&mut p, ToServer, c, &c_splits);
        feed_in_splits(&mut p, ToClient, s, &s_splits);
        prop_assert_eq!(p.record(), whole.record(), "{}", name);
    }

    #[test]
    fn mutated_real_handshakes_never_panic(
        idx in 0usize..64,
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..12),
        splits in splits_strategy(),
    ) {
        let (_, c, s) = FIXTURES[idx % FIXTURES.len()];
        let mut c = c.to_vec();
        let mut s = s.to_vec();
        for (i, (pos, byte, op)) in edits.iter().enumerate() {
            let target = if i % 2 == 0 { &mut c } else { &mut s };
            if target.is_empty() {
                continue;
            }
            let at = pos.index(target.len());
            match op {
                0 => target[at] = *byte,
                1 => target.truncate(at),
                _ => target.insert(at, *byte),
            }
        }
        let mut p = TlsParser::new();
        feed_in_splits(&mut p, ToServer, &c, &splits);
        feed_in_splits(&mut p, ToClient, &s, &splits);
        prop_assert!(eve_is_json(&p));
    }
}

#[test]
fn application_data_marks_the_flow_encrypted() {
    let (c, s) = fixture("tls1.2.0");
    // The handshake alone (up to ServerHelloDone) is not encrypted yet.
    let sh_only = parse_whole(c, s);
    assert!(sh_only.is_done());
    let encrypted_already = sh_only.is_encrypted();
    // CCS, an encrypted Finished (handshake type), then application data.
    let tail: &[u8] = &[
        0x14, 3, 3, 0, 1, 1, 0x16, 3, 3, 0, 3, 9, 9, 9, 0x17, 3, 3, 0, 2, 0xaa, 0xbb,
    ];
    // Any split of the tail: headers are followed across calls.
    let mut p = parse_whole(c, s);
    for (i, b) in tail.iter().enumerate() {
        if i < 18 {
            assert_eq!(p.is_encrypted(), encrypted_already, "at {i}");
        }
        p.feed(ToServer, std::slice::from_ref(b));
    }
    assert!(p.is_encrypted());
    // Client application data before any ServerHello (TLS 1.3 early data) does not count.
    let mut early = TlsParser::new();
    early.feed(ToServer, c);
    early.feed(ToServer, &tail[14..]);
    assert!(!early.is_encrypted());
    // After a gap, framing is lost: nothing is inferred from later bytes.
    let mut lost = TlsParser::new();
    lost.feed(ToServer, c);
    lost.gap(ToServer);
    lost.feed(ToServer, tail);
    assert!(!lost.is_encrypted());
}
