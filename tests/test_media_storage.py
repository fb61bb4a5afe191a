"""Images uploaded to an S3-compatible bucket (moto stands in for the bucket)."""

import boto3
import pytest
from django.core.files.storage import storages
from moto import mock_aws

from masthead import config
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def s3_media(settings, tmp_path):
    environ = {
        "DEBUG": "1",
        "MEDIA_STORAGE": "s3",
        "S3_BUCKET": "ridgeline-media",
        "S3_REGION": "us-east-1",
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
    }
    with mock_aws():
        boto3.client("s3", region_name="us-east-1").create_bucket(Bucket="ridgeline-media")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": config.load(environ, base_dir=tmp_path).media_storage,
        }
        storages._storages.clear()
        yield boto3.client("s3", region_name="us-east-1")
    storages._storages.clear()


def test_an_uploaded_image_and_its_renditions_are_stored_in_the_bucket(s3_media):
    image = factories.image("Harbour at dawn", credit="Ridgeline Graphics Desk")
    rendition = image.get_rendition("fill-320x200")

    keys = {item["Key"] for item in s3_media.list_objects_v2(Bucket="ridgeline-media")["Contents"]}
    assert f"media/{image.file.name}" in keys
    assert f"media/{rendition.file.name}" in keys
    # Private bucket: links are signed and expire.
    assert "X-Amz-Signature=" in rendition.url and "ridgeline-media" in rendition.url
