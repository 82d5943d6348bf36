"""The appliance image build (image/build). See stages/__init__.py for the order of stages."""
